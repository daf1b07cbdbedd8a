/**
 * Where the programme catalogue is read from. Kept apart from catalogue.ts (which loads zod to validate) so that a
 * command can name the folders, and find a cached validated catalogue, without loading the validator.
 */
import { join, resolve } from 'node:path';
import { projectRoot } from '../config/project-root.js';

export const CLASS_LIST_FILE = 'indicator-classes.json';

/** Where a programme of the repository's own folder comes from, as `programmes list` shows it. */
export const BUILT_IN_SOURCE = 'built-in';

/** The repository's own catalogue folder, programmes/catalogue. */
export function defaultCatalogueDirectory(): string {
  return join(projectRoot(), 'programmes', 'catalogue');
}

/** Splits a ':'-separated list of folders (EBPM_CATALOGUE_DIR, --catalogue) into absolute paths. */
export function splitFolderList(list: string | undefined): string[] {
  return (list ?? '').split(':').filter((folder) => folder.trim() !== '').map((folder) => resolve(folder));
}

/** The folders the catalogue is read from: the built-in one first, then each folder of EBPM_CATALOGUE_DIR. */
export function catalogueFolders(): string[] {
  return [defaultCatalogueDirectory(), ...splitFolderList(process.env.EBPM_CATALOGUE_DIR)];
}
