/**
 * The attribution the 行政事業レビュー見える化サイト's licence (公共データ利用規約 第1.0版, PDL1.0) requires of every output
 * made from its data: the commands print it with what they show, text and JSON alike. An output made from synthetic
 * sheets (`ebpm generate`'s, registered as such by their names) says that instead: citing the RS system for made-up
 * rows would misstate where they come from. Where both kinds are in force, it carries the attribution and names the
 * synthetic tables.
 */
export const REVIEW_SHEET_ATTRIBUTION = '出典: 行政事業レビュー見える化サイトのデータを加工して作成（公共データ利用規約 第1.0版 PDL1.0）';

/** The same in English, beside it where readers may not read Japanese (the report, the workbook, the dashboard). */
export const REVIEW_SHEET_ATTRIBUTION_EN = 'Source: review sheets published on the 行政事業レビュー見える化サイト (rssystem.go.jp), processed by ebpm; Public Data License 1.0.';

/** In place of the attribution, for what was made from synthetic sheets only. */
export const SYNTHETIC_REVIEW_SHEET_NOTE = '合成データ: ebpm generate が行政事業レビュー見える化サイトの公表形式で作成した架空のレビューシートで、政府の公表データではない';

export const SYNTHETIC_REVIEW_SHEET_NOTE_EN = 'Synthetic data: review sheets made up by ebpm generate in the published format of the 行政事業レビュー見える化サイト; not the government’s published data.';

/** A table of a review year whose file in force is synthetic. */
export interface SyntheticTable {
  readonly reviewYear: number;
  readonly table: string;
}

/** Beside the attribution where both kinds are in force: which tables are synthetic (`tables`, as syntheticTablesText gives them). */
export function partlySyntheticNote(tables: string): string {
  return `一部は合成データ: ${tables} の表は ebpm generate が作成した架空のレビューシートで、政府の公表データではない`;
}

export function partlySyntheticNoteEn(tables: string): string {
  return `Partly synthetic: the review-sheet tables ${tables} were made up by ebpm generate; they are not the government’s published data.`;
}

/** How a year's synthetic tables are joined in each language (1-2・3-1 / 1-2, 3-1). */
export const TABLE_SEPARATOR = { ja: '・', en: ', ' } as const;

/** One review year's synthetic tables (already joined) as the notes name them: 2024年度の 1-2・3-1 / 1-2, 3-1 of review year 2024. */
export function yearTablesText(reviewYear: number | string, tables: { readonly ja: string; readonly en: string }): { readonly ja: string; readonly en: string } {
  return { ja: `${reviewYear}年度の ${tables.ja}`, en: `${tables.en} of review year ${reviewYear}` };
}

/** 2024年度の 1-2・3-1、2023年度の 5-1 / 1-2, 3-1 of review year 2024; 5-1 of review year 2023 (newest year first). */
export function syntheticTablesText(tables: readonly SyntheticTable[]): { readonly ja: string; readonly en: string } {
  const years = [...new Set(tables.map((entry) => entry.reviewYear))].sort((a, b) => b - a);
  const texts = years.map((year) => {
    const of = tables.filter((entry) => entry.reviewYear === year).map((entry) => entry.table).sort();
    return yearTablesText(year, { ja: of.join(TABLE_SEPARATOR.ja), en: of.join(TABLE_SEPARATOR.en) });
  });
  return { ja: texts.map((text) => text.ja).join('、'), en: texts.map((text) => text.en).join('; ') };
}

/**
 * Which kinds of file an output was made from: the RS system's (published), ebpm generate's (synthetic), or both;
 * where both, the synthetic tables.
 */
export interface ReviewSheetOrigins {
  readonly published: boolean;
  readonly synthetic: boolean;
  /** The tables whose files are synthetic, by review year and table. */
  readonly syntheticTables: readonly SyntheticTable[];
}

/** An output of no file (nothing loaded yet) keeps the attribution, as the RS system is where its files come from. */
export const PUBLISHED_ONLY: ReviewSheetOrigins = { published: true, synthetic: false, syntheticTables: [] };

function tableOrder(a: SyntheticTable, b: SyntheticTable): number {
  return b.reviewYear - a.reviewYear || a.table.localeCompare(b.table);
}

/** The origins of files of which some were the RS system's (`published`) and these tables synthetic (repeats counted once). */
function originsFrom(published: boolean, tables: Iterable<SyntheticTable>): ReviewSheetOrigins {
  const unique = new Map<string, SyntheticTable>();
  for (const entry of tables) unique.set(`${entry.reviewYear}:${entry.table}`, { reviewYear: entry.reviewYear, table: entry.table });
  if (!published && unique.size === 0) return PUBLISHED_ONLY;
  return { published, synthetic: unique.size > 0, syntheticTables: [...unique.values()].sort(tableOrder) };
}

/** The origins of a set of files (each with its table and review year); an empty set counts as published (PUBLISHED_ONLY). */
export function originsOf(files: Iterable<{ readonly synthetic: boolean; readonly table: string; readonly reviewYear: number }>): ReviewSheetOrigins {
  const list = [...files];
  return originsFrom(
    list.some((file) => !file.synthetic),
    list.filter((file) => file.synthetic),
  );
}

/** What several outputs' origins make together (a report of several projects, say). */
export function combinedOrigins(all: Iterable<ReviewSheetOrigins>): ReviewSheetOrigins {
  const list = [...all];
  return originsFrom(
    list.some((origins) => origins.published),
    list.flatMap((origins) => origins.syntheticTables),
  );
}

/**
 * The source lines an output carries, each in Japanese with its English: the attribution, the synthetic note in its
 * place, or both (the attribution, then the note naming the synthetic tables).
 */
export function reviewSheetSourceLines(origins: ReviewSheetOrigins): readonly { readonly ja: string; readonly en: string }[] {
  const attribution = { ja: REVIEW_SHEET_ATTRIBUTION, en: REVIEW_SHEET_ATTRIBUTION_EN };
  if (!origins.synthetic) return [attribution];
  if (!origins.published) return [{ ja: SYNTHETIC_REVIEW_SHEET_NOTE, en: SYNTHETIC_REVIEW_SHEET_NOTE_EN }];
  const tables = syntheticTablesText(origins.syntheticTables);
  return [attribution, { ja: partlySyntheticNote(tables.ja), en: partlySyntheticNoteEn(tables.en) }];
}

/**
 * The source lines as one text (a line each), what the commands print and give as `attribution` in JSON: the
 * attribution for the RS system's files, the synthetic note in its place or beside it.
 */
export function reviewSheetSourceText(origins: ReviewSheetOrigins): string {
  return reviewSheetSourceLines(origins)
    .map((line) => line.ja)
    .join('\n');
}
