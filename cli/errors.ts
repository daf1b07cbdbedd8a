/** A mistake in how a command was called: printed as its message and the usage, never as a stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command that ran and must report failure with a particular exit code (2: a file refused as a whole; 1: nothing loaded). */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CommandFailure';
  }
}
