/**
 * A deployed worker reads input files only under one directory (EBPM_INPUT_DIR): a workflow is started by
 * whoever can reach Temporal, and the path it names must not let them read the worker's other files.
 * Links and `..` are resolved before the check, so neither leads out.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';

export class InputOutsideDirectoryError extends Error {
  constructor(
    readonly path: string,
    readonly inputDir: string,
  ) {
    super(
      `${path} is outside the directory this worker reads input files from (EBPM_INPUT_DIR=${inputDir}); ` +
        'put the file under that directory and name it there, or run the worker with another EBPM_INPUT_DIR',
    );
    this.name = 'InputOutsideDirectoryError';
  }
}

/** Whether `path` (an existing file) lies under `inputDir`, once both are resolved to their real paths. */
export function isUnderDirectory(path: string, inputDir: string): boolean {
  const fromRoot = relative(realpathSync(inputDir), realpathSync(path));
  return fromRoot !== '' && !fromRoot.startsWith('..') && !isAbsolute(fromRoot);
}

export function assertInputAllowed(path: string, inputDir: string | undefined): void {
  if (inputDir !== undefined && !isUnderDirectory(path, inputDir)) throw new InputOutsideDirectoryError(path, inputDir);
}
