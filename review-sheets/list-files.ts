/**
 * The files a load names: a folder stands for its CSV files (in name order, so 1-2 comes before 5-1), a .zip for
 * its CSV entries (in name order), a file for itself.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listZipEntries } from './zip-entries.js';

export class ReviewPathError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'ReviewPathError';
  }
}

/** A file to load: a CSV on disk, or an entry of a .zip. */
export interface ReviewSheetRef {
  readonly path: string;
  /** The entry's name inside the zip at `path`. */
  readonly entry?: string;
}

export async function listReviewSheetRefs(paths: readonly string[]): Promise<ReviewSheetRef[]> {
  const refs: ReviewSheetRef[] = [];
  for (const given of paths) {
    const path = resolve(given);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new ReviewPathError(given, 'no such file or folder');
    }
    if (isDirectory) {
      const csvs = readdirSync(path).filter((name) => name.toLowerCase().endsWith('.csv')).sort();
      if (!csvs.length) throw new ReviewPathError(given, 'the folder holds no .csv file; name the folder of one review year\'s CSVs as downloaded');
      refs.push(...csvs.map((name) => ({ path: join(path, name) })));
    } else if (path.toLowerCase().endsWith('.zip')) {
      refs.push(...(await listZipEntries(path)).map((entry) => ({ path, entry })));
    } else {
      refs.push({ path });
    }
  }
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = `${ref.path}\u0000${ref.entry ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
