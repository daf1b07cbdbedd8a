/**
 * A validated catalogue kept on disk, so that a quick command (`ebpm programmes list`) need not load zod and
 * re-check every programme file on each call: loading zod and parsing the catalogue took most of its ~0.3 s.
 *
 * The cache is keyed by a SHA-256 over everything the result depends on: the folders read, the name and content
 * of every JSON file in them, and the code that validates (every module of the folders the validator is built
 * from, and the zod version). A changed file, an added or removed file, or a rebuilt validator gives another key,
 * so the catalogue is validated afresh and problems are reported exactly as loadCatalogue reports them. The entry
 * stores its key and is used only when that matches. Anything unexpected (a folder that cannot be read, a cache
 * that cannot be written) falls back to loading without the cache: it is a shortcut, never a second validator.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../config/project-root.js';
import type { Catalogue } from './catalogue.js';
import { catalogueFolders, defaultCatalogueDirectory } from './catalogue-folders.js';

/** Bump when the stored shape changes, so older entries are never read as the new shape. */
const CACHE_FORMAT = 1;

/** The folders (of the compiled or source tree) whose modules validate a catalogue: catalogue.ts and what it imports. */
const VALIDATOR_FOLDERS = ['programmes', 'schemas', 'kpi', 'config'] as const;

/** Entries kept at most: one per catalogue state seen (tests and EBPM_CATALOGUE_DIR make several); the oldest go first. */
const MAX_ENTRIES = 16;

/** Where entries are kept: git-ignored, under the project root. */
export function catalogueCacheDirectory(): string {
  return join(projectRoot(), '.cache', 'catalogue');
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A hash of the validating code: each module of VALIDATOR_FOLDERS (of this build) and the zod version. */
function validatorFingerprint(): string {
  const here = fileURLToPath(import.meta.url);
  const extension = extname(here);
  const root = dirname(dirname(here));
  const hash = createHash('sha256');
  for (const folder of VALIDATOR_FOLDERS) {
    for (const name of readdirSync(join(root, folder)).filter((n) => n.endsWith(extension)).sort()) {
      hash.update(`${folder}/${name}\0`).update(readFileSync(join(root, folder, name))).update('\0');
    }
  }
  hash.update(readFileSync(join(projectRoot(), 'node_modules', 'zod', 'package.json')));
  return hash.digest('hex');
}

/** The key of the catalogue read from `folders` as they are now, or undefined when something cannot be read. */
export function catalogueCacheKey(folders: readonly string[]): string | undefined {
  try {
    const lines = [`format ${CACHE_FORMAT}`, `validator ${validatorFingerprint()}`, `built-in ${resolve(defaultCatalogueDirectory())}`];
    for (const folder of folders) {
      lines.push(`folder ${resolve(folder)}`);
      for (const name of readdirSync(folder).filter((n) => n.endsWith('.json')).sort()) lines.push(`file ${name} ${sha256(readFileSync(join(folder, name)))}`);
    }
    return sha256(lines.join('\n'));
  } catch {
    return undefined;
  }
}

interface CacheEntry {
  readonly key: string;
  readonly catalogue: Catalogue;
}

function readEntry(key: string): Catalogue | undefined {
  try {
    const entry = JSON.parse(readFileSync(join(catalogueCacheDirectory(), `${key}.json`), 'utf8')) as CacheEntry;
    return entry.key === key ? entry.catalogue : undefined;
  } catch {
    return undefined;
  }
}

function writeEntry(key: string, catalogue: Catalogue): void {
  try {
    const directory = catalogueCacheDirectory();
    mkdirSync(directory, { recursive: true });
    // Written aside and renamed, so that a concurrent reader sees the whole entry or none.
    const temporary = join(directory, `${key}.${process.pid}.tmp`);
    writeFileSync(temporary, JSON.stringify({ key, catalogue } satisfies CacheEntry));
    renameSync(temporary, join(directory, `${key}.json`));
    const entries = readdirSync(directory).filter((name) => name.endsWith('.json'));
    if (entries.length > MAX_ENTRIES) {
      const byAge = entries.map((name) => ({ name, modified: statSync(join(directory, name)).mtimeMs })).sort((a, b) => a.modified - b.modified);
      for (const { name } of byAge.slice(0, entries.length - MAX_ENTRIES)) rmSync(join(directory, name), { force: true });
    }
  } catch {
    // A read-only install still works, only without the shortcut.
  }
}

/**
 * The catalogue of `folders` (by default the built-in one plus EBPM_CATALOGUE_DIR), as loadCatalogue gives it:
 * from the cache when nothing it depends on has changed, otherwise validated now (loading the validator only then)
 * and stored. Errors loadCatalogue throws (an unreadable base folder or class list) are thrown, never cached.
 */
export async function cachedCatalogue(folders: readonly string[] = catalogueFolders()): Promise<Catalogue> {
  const key = catalogueCacheKey(folders);
  const hit = key === undefined ? undefined : readEntry(key);
  if (hit) return hit;
  const { loadCatalogue } = await import('./catalogue.js');
  const loaded = loadCatalogue(folders);
  // Stored only when the files did not change while they were validated, so an entry always matches its key.
  if (key !== undefined && catalogueCacheKey(folders) === key) writeEntry(key, loaded);
  return loaded;
}
