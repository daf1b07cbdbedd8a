/** The innermost message of a failure chain: usually the activity's own error, which says what to fix. */
export function rootCauseMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
