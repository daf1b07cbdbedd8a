/**
 * Worker threads run JavaScript files. Built, every module sits next to its compiled siblings; under
 * vitest the calling module is TypeScript source, and its compiled twin is in dist/, which
 * scripts/bootstrap.sh builds before the tests run.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export class CompiledModuleMissingError extends Error {
  constructor(readonly path: string) {
    super(`${path} does not exist: the worker thread needs the compiled code; run \`npm run build\` (npm test and npm run demo do it for you)`);
    this.name = 'CompiledModuleMissingError';
  }
}

/** The compiled file `fileName` (e.g. './parse-worker.js') beside the module at `moduleUrl`. */
export function compiledSibling(moduleUrl: string, fileName: string): URL {
  const sibling = new URL(fileName, moduleUrl);
  if (!moduleUrl.endsWith('.ts')) return sibling;
  const projectRoot = fileURLToPath(new URL('../', import.meta.url));
  const compiled = join(projectRoot, 'dist', relative(projectRoot, fileURLToPath(sibling)));
  if (!existsSync(compiled)) throw new CompiledModuleMissingError(compiled);
  return pathToFileURL(compiled);
}
