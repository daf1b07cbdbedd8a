import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding ebpm's package.json, found from this module whether it runs from source or from dist/. */
export function projectRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'ebpm') return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error('cannot find the ebpm package root above ' + fileURLToPath(import.meta.url));
    folder = parent;
  }
}

/** A module's compiled file under dist/, by its path from the project root: worker threads load JavaScript even when the caller runs from source (tests). */
export function compiledModule(pathFromRoot: string): string {
  return join(projectRoot(), 'dist', pathFromRoot);
}
