/**
 * Synthetic review sheets (the files `ebpm generate` writes, whose names carry `_合成データ_synthetic`) are registered as
 * such, and every output made from them says they are synthetic instead of citing the RS system: the load's account,
 * `files`, `show`, `check`, a catalogue draft, and a programme's report section and workbook sheet. A year whose files
 * in force are partly the RS system's carries both. The fixtures (real published rows) serve as both: copied under
 * marked names they stand for a synthetic year; the published 5-1 loaded after them (the last test) makes the year
 * partly published.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../config/project-root.js';
import { getProgramme, type Programme } from '../programmes/catalogue.js';
import { buildProgressWorkbook, reviewSheetSheetName } from '../report/progress-workbook.js';
import { reviewSheetSection } from '../report/review-sheet/html-section.js';
import { reconcile } from '../report/review-sheet/reconcile.js';
import { readReviewSheetData } from '../report/review-sheet/sheet-data.js';
import {
  partlySyntheticNote,
  partlySyntheticNoteEn,
  REVIEW_SHEET_ATTRIBUTION,
  REVIEW_SHEET_ATTRIBUTION_EN,
  SYNTHETIC_REVIEW_SHEET_NOTE,
  SYNTHETIC_REVIEW_SHEET_NOTE_EN,
} from '../review-sheets/attribution.js';
import { isSyntheticFileName, SYNTHETIC_FILE_MARK } from '../review-sheets/published-file-names.js';
import { programmeFileSchema } from '../schemas/catalogue.js';
import { ebpmWith } from './support/compiled-cli.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const PROJECT = 3522;
const PAYEES_FILE = readdirSync(FIXTURES).find((name) => name.startsWith('5-1_RS_2024_'))!;

let database: TestDatabase;
let scratch: string;
let environment: Record<string, string>;
/** The first load of the synthetic copies, as `--json` gave it. */
let firstLoad: { files: { table: string; synthetic?: boolean; loaded?: number }[] };

/** post5g-quantum as a test copy naming the fixture project. */
function programmeNamingProject(): Programme {
  const base = getProgramme('post5g-quantum');
  const json = JSON.parse(readFileSync(join(projectRoot(), 'programmes', 'catalogue', 'post5g-quantum.json'), 'utf8')) as Record<string, unknown>;
  return { ...base, file: programmeFileSchema.parse({ ...json, reviewSheetProjects: [{ projectId: PROJECT, provenance: 'test copy' }] }) };
}

function cli(...args: string[]): string {
  const run = ebpmWith(environment, ...args);
  expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run.stdout;
}

const json = <T>(...args: string[]) => JSON.parse(cli(...args, '--json')) as T;

/** The programme's report section as HTML, with its reconciliation (the lines compared have nothing the page escapes). */
async function sectionOf(programme: Programme): Promise<string> {
  const data = await readReviewSheetData(database.db, programme);
  return reviewSheetSection(data, reconcile(programme, data.projects));
}

/** Every text cell of the programme's review-sheet sheet in the workbook, read back from its bytes. */
async function workbookTexts(programme: Programme): Promise<string[]> {
  const bytes = await (await buildProgressWorkbook(database.db, [programme], 'public')).xlsx.writeBuffer();
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as ArrayBuffer);
  const texts: string[] = [];
  workbook.getWorksheet(reviewSheetSheetName(programme.id))!.eachRow((row) => row.eachCell((cell) => void (typeof cell.value === 'string' && texts.push(cell.value))));
  return texts;
}

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-review-origins-'));
  environment = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
  mkdirSync(join(scratch, 'synthetic'));
  for (const name of readdirSync(FIXTURES).filter((file) => file.endsWith('.csv'))) {
    // A blank line after the records (read as nothing) makes the copy's bytes, and so its id, differ from the published
    // file's; 4-1's copy ends with a record of three columns, quarantined.
    const end = name.startsWith('4-1') ? '"a","b","c"\r\n' : '\r\n';
    writeFileSync(join(scratch, 'synthetic', name.replace(/\.csv$/, `${SYNTHETIC_FILE_MARK}.csv`)), Buffer.concat([readFileSync(join(FIXTURES, name)), Buffer.from(end)]));
  }
  firstLoad = json('review-sheets', 'load', join(scratch, 'synthetic'));
}, 120_000);

afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('review sheets ebpm generate made up', () => {
  it("tells a marked name from a published one, renamed copies and either normal form too, by the file's own name only", () => {
    const marked = `3-1_RS_2024_効果発現経路_目標・実績${SYNTHETIC_FILE_MARK}`;
    for (const name of [`${marked}.csv`, `${marked}.CSV`, `${marked}.csv`.normalize('NFD'), `${marked} (1).csv`, `${marked} - コピー.csv`, `/data/x/${marked}.csv`]) {
      expect(isSyntheticFileName(name), name).toBe(true);
    }
    for (const name of ['3-1_RS_2024_効果発現経路_目標・実績.csv', `/data/${SYNTHETIC_FILE_MARK}/3-1_RS_2024_効果発現経路_目標・実績.csv`]) expect(isSyntheticFileName(name), name).toBe(false);
  });

  it('are registered as synthetic, and the load says so in place of the attribution', () => {
    // The tables ebpm does not load yet are accounted as not loaded, with nothing to be synthetic about.
    const stored = firstLoad.files.filter((file) => file.synthetic !== undefined);
    expect(stored.map((file) => [file.table, file.synthetic])).toEqual(['1-2', '2-1', '3-1', '3-2', '4-1', '5-1'].map((table) => [table, true]));
    expect(stored.every((file) => (file.loaded ?? 0) > 0)).toBe(true);
    // Loaded again: skipped, still as registered.
    const again = cli('review-sheets', 'load', join(scratch, 'synthetic'));
    expect(again).toContain('skipped');
    expect(again.trimEnd().endsWith(SYNTHETIC_REVIEW_SHEET_NOTE)).toBe(true);
    expect(again).not.toContain(REVIEW_SHEET_ATTRIBUTION);
  });

  it('are listed, shown and checked as synthetic, never with the RS system as their source', () => {
    const files = json<{ files: { id: string; table: string; synthetic: boolean }[]; attribution: string }>('review-sheets', 'files');
    expect(files.files.every((file) => file.synthetic)).toBe(true);
    expect(files.attribution).toBe(SYNTHETIC_REVIEW_SHEET_NOTE);
    // The quarantine of a synthetic file: no advice to name a corrected copy as published, which would unmark it.
    const reviews = files.files.find((file) => file.table === '4-1')!;
    const quarantine = cli('review-sheets', 'quarantine', reviews.id);
    expect(quarantine).toContain('keeps _合成データ_synthetic in its name');
    expect(quarantine).not.toContain('named as published');
    expect(quarantine.trimEnd().endsWith(SYNTHETIC_REVIEW_SHEET_NOTE)).toBe(true);
    expect(json<{ synthetic: boolean; attribution: string }>('review-sheets', 'quarantine', reviews.id)).toMatchObject({ synthetic: true, attribution: SYNTHETIC_REVIEW_SHEET_NOTE });
    const shown = json<{ attribution: string; origins: { published: boolean; synthetic: boolean } }>('review-sheets', 'show', String(PROJECT));
    expect(shown.origins).toMatchObject({ published: false, synthetic: true });
    expect(shown.attribution).toBe(SYNTHETIC_REVIEW_SHEET_NOTE);
    expect(json<{ attribution: string }>('review-sheets', 'check').attribution).toBe(SYNTHETIC_REVIEW_SHEET_NOTE);
    for (const text of [cli('review-sheets', 'files'), cli('review-sheets', 'files', '--history'), cli('review-sheets', 'show', String(PROJECT)), cli('review-sheets', 'check')]) {
      expect(text.trimEnd().endsWith(SYNTHETIC_REVIEW_SHEET_NOTE)).toBe(true);
      expect(text).not.toContain(REVIEW_SHEET_ATTRIBUTION);
    }
  });

  it('give a catalogue draft whose figures are said to come from a synthetic sheet', () => {
    const draft = JSON.parse(cli('programmes', 'draft-from-review-sheet', String(PROJECT))) as { reviewSheetProjects: { provenance: string }[] };
    expect(draft.reviewSheetProjects[0].provenance).toBe(`行政事業レビューシート 2024（合成データ）, 予算事業ID ${PROJECT}`);
  });

  it('are titled and noted as synthetic in the report section and the workbook sheet, without the attribution', async () => {
    const programme = programmeNamingProject();
    const section = await sectionOf(programme);
    expect(section).toContain('行政事業レビューシート（合成データ） / Synthetic review sheet');
    expect(section).toContain(SYNTHETIC_REVIEW_SHEET_NOTE);
    expect(section).toContain(SYNTHETIC_REVIEW_SHEET_NOTE_EN);
    expect(section).not.toContain(REVIEW_SHEET_ATTRIBUTION);
    expect(section).not.toContain('as published on the RS system');
    // The sheet beside the pre-registered model is named for what it is, in the model's label and the reconciliation.
    expect(section).toContain('ロジックモデル（合成レビューシート） / Logic model (synthetic sheet)');
    expect(section).toContain('合成レビューシートのみにある指標 / Only in the synthetic sheet');
    expect(section).not.toContain('公表シート');
    const texts = await workbookTexts(programme);
    expect(texts.some((text) => text.includes('行政事業レビューシート（合成データ）') && text.includes('synthetic review sheet'))).toBe(true);
    expect(texts).toContain(`${SYNTHETIC_REVIEW_SHEET_NOTE}\n${SYNTHETIC_REVIEW_SHEET_NOTE_EN}`);
    expect(texts.some((text) => text.includes(REVIEW_SHEET_ATTRIBUTION))).toBe(false);
  });

  it('beside a published file in force for the same year, carry both the attribution and a note naming the synthetic tables', async () => {
    const published = join(scratch, 'published-5-1');
    mkdirSync(published);
    copyFileSync(join(FIXTURES, PAYEES_FILE), join(published, PAYEES_FILE));
    const accounts = json<{ files: { synthetic: boolean; retired: string[] }[] }>('review-sheets', 'load', published);
    expect(accounts.files).toMatchObject([{ synthetic: false, retired: [`${PAYEES_FILE.replace(/\.csv$/, '')}${SYNTHETIC_FILE_MARK}.csv`] }]);
    const note = partlySyntheticNote('2024年度の 1-2・2-1・3-1・3-2・4-1');
    const noteEn = partlySyntheticNoteEn('1-2, 2-1, 3-1, 3-2, 4-1 of review year 2024');
    expect(json<{ attribution: string }>('review-sheets', 'check').attribution).toBe(`${REVIEW_SHEET_ATTRIBUTION}\n${note}`);
    expect(json<{ origins: unknown }>('review-sheets', 'show', String(PROJECT)).origins).toMatchObject({ published: true, synthetic: true });
    const section = await sectionOf(programmeNamingProject());
    expect(section).toContain('行政事業レビューシート（公表データ・合成データ） / Official and synthetic review sheet');
    expect(section).toContain('ロジックモデル（レビューシート） / Logic model (review sheet)');
    for (const line of [REVIEW_SHEET_ATTRIBUTION, note, REVIEW_SHEET_ATTRIBUTION_EN, noteEn]) expect(section).toContain(line);
    expect(await workbookTexts(programmeNamingProject())).toContain(`${REVIEW_SHEET_ATTRIBUTION}\n${REVIEW_SHEET_ATTRIBUTION_EN}\n${note}\n${noteEn}`);
  });

  it('registers bytes first loaded as published as synthetic when they come again under a marked name', () => {
    // The published 5-1 loaded above, now under the mark (a year generated before the mark existed, generated again).
    const marked = join(scratch, 'marked-5-1');
    mkdirSync(marked);
    copyFileSync(join(FIXTURES, PAYEES_FILE), join(marked, PAYEES_FILE.replace(/\.csv$/, `${SYNTHETIC_FILE_MARK}.csv`)));
    const accounts = json<{ files: { skipped: boolean; synthetic: boolean; markedSynthetic?: boolean }[] }>('review-sheets', 'load', marked);
    expect(accounts.files).toMatchObject([{ skipped: true, synthetic: true, markedSynthetic: true }]);
    expect(json<{ attribution: string }>('review-sheets', 'check').attribution).toBe(SYNTHETIC_REVIEW_SHEET_NOTE);
    // Loaded again under its published name: the mark stays (a name without it says nothing of bytes known to be made up).
    const again = json<{ files: { synthetic: boolean; markedSynthetic?: boolean }[] }>('review-sheets', 'load', join(scratch, 'published-5-1'));
    expect(again.files).toMatchObject([{ synthetic: true }]);
    expect(again.files[0].markedSynthetic).toBeUndefined();
    expect(cli('review-sheets', 'load', marked)).not.toContain('registered as synthetic now');
  });
});
