import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedCatalogue, catalogueCacheDirectory, catalogueCacheKey } from '../programmes/catalogue-cache.js';
import { defaultCatalogueDirectory, loadCatalogue } from '../programmes/catalogue.js';
import type { ProgrammeFile } from '../schemas/catalogue.js';
import { brokenText } from '../cli/commands/programmes-list.js';

const scratchFolders: string[] = [];
afterEach(() => {
  for (const folder of scratchFolders.splice(0)) {
    rmSync(join(catalogueCacheDirectory(), `${catalogueCacheKey([folder])}.json`), { force: true });
    rmSync(folder, { recursive: true, force: true });
  }
});

/** A scratch copy of the repository's catalogue, so that each test's cache key is its own. */
function catalogueCopy(): string {
  const folder = mkdtempSync(join(tmpdir(), 'ebpm-catalogue-cache-'));
  scratchFolders.push(folder);
  cpSync(defaultCatalogueDirectory(), folder, { recursive: true });
  return folder;
}

function editProgramme(folder: string, programmeId: string, edit: (programme: ProgrammeFile) => void): void {
  const path = join(folder, `${programmeId}.json`);
  const programme = JSON.parse(readFileSync(path, 'utf8')) as ProgrammeFile;
  edit(programme);
  writeFileSync(path, JSON.stringify(programme, null, 2));
}

describe('the cache of validated catalogues', () => {
  it('gives what a fresh validation gives, both when it stores the catalogue and when it reads it back', async () => {
    const folder = catalogueCopy();
    const fresh = loadCatalogue(folder);
    expect(await cachedCatalogue([folder])).toStrictEqual(fresh);
    const key = catalogueCacheKey([folder]);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(catalogueCacheDirectory(), `${key}.json`), 'utf8')).toContain(key);
    expect(await cachedCatalogue([folder])).toStrictEqual(fresh);
  });

  it('validates a changed file afresh and reports its problems as a fresh validation does', async () => {
    const folder = catalogueCopy();
    await cachedCatalogue([folder]);
    const before = catalogueCacheKey([folder]);
    editProgramme(folder, 'critical-minerals', (p) => {
      p.logicModel.output[0].indicatorClass = 'not-a-class';
    });
    expect(catalogueCacheKey([folder])).not.toBe(before);
    rmSync(join(catalogueCacheDirectory(), `${before}.json`), { force: true });
    const cached = await cachedCatalogue([folder]);
    expect(cached).toStrictEqual(loadCatalogue(folder));
    expect(cached.broken.map((b) => b.programmeId)).toEqual(['critical-minerals']);
    expect(cached.problems[0].field).toBe('logicModel.output.0.indicatorClass');
  });

  it('reports a broken file read back from the cache exactly as a fresh validation does, each problem once', async () => {
    const folder = catalogueCopy();
    editProgramme(folder, 'critical-minerals', (p) => {
      p.logicModel.output[0].indicatorClass = 'not-a-class';
    });
    const fresh = brokenText(loadCatalogue(folder));
    await cachedCatalogue([folder]);
    // The second read is a cache hit: the catalogue comes back from JSON.
    const fromCache = brokenText(await cachedCatalogue([folder]));
    expect(fromCache).toBe(fresh);
    expect(fromCache).not.toContain('also skipped');
    expect(fromCache.split('logicModel.output.0.indicatorClass').length - 1).toBe(1);
  });

  it('changes its key when a file is added to a folder', async () => {
    const folder = catalogueCopy();
    const before = catalogueCacheKey([folder]);
    writeFileSync(join(folder, 'draft.json'), '{}');
    expect(catalogueCacheKey([folder])).not.toBe(before);
    expect((await cachedCatalogue([folder])).broken.map((b) => b.programmeId)).toEqual(['draft']);
  });

  it('reads an entry that carries its key, and ignores one that does not', async () => {
    const folder = catalogueCopy();
    const key = catalogueCacheKey([folder]);
    const path = join(catalogueCacheDirectory(), `${key}.json`);
    const empty = { classes: { classes: [] }, programmes: [], broken: [], problems: [] };
    await cachedCatalogue([folder]);
    writeFileSync(path, JSON.stringify({ key, catalogue: empty }));
    expect(await cachedCatalogue([folder])).toStrictEqual(empty);
    writeFileSync(path, JSON.stringify({ key: 'another', catalogue: empty }));
    expect(await cachedCatalogue([folder])).toStrictEqual(loadCatalogue(folder));
  });
});
