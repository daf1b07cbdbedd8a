/**
 * The files a load names: a folder stands for its CSV files (in name order, so 1-2 comes before 5-1), a file for
 * itself. A .zip is not read yet: the user is told to unzip it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export class ReviewPathError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'ReviewPathError';
  }
}

export function listReviewSheetPaths(paths: readonly string[]): string[] {
  const files: string[] = [];
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
      files.push(...csvs.map((name) => join(path, name)));
    } else if (path.toLowerCase().endsWith('.zip')) {
      throw new ReviewPathError(given, 'a .zip is not read yet; unzip it and name the folder');
    } else {
      files.push(path);
    }
  }
  return [...new Set(files)];
}
