/**
 * The attribution the 行政事業レビュー見える化サイト's licence (公共データ利用規約 第1.0版, PDL1.0) requires of every output
 * made from its data: the commands print it with what they show, text and JSON alike. An output made from synthetic
 * sheets (`ebpm generate`'s, registered as such by their names) says that instead: citing the RS system for made-up
 * rows would misstate where they come from.
 */
export const REVIEW_SHEET_ATTRIBUTION = '出典: 行政事業レビュー見える化サイトのデータを加工して作成（公共データ利用規約 第1.0版 PDL1.0）';

/** The same in English, beside it where readers may not read Japanese (the report, the workbook, the dashboard). */
export const REVIEW_SHEET_ATTRIBUTION_EN = 'Source: review sheets published on the 行政事業レビュー見える化サイト (rssystem.go.jp), processed by ebpm; Public Data License 1.0.';

/** In place of the attribution, for what was made from synthetic sheets only. */
export const SYNTHETIC_REVIEW_SHEET_NOTE = '合成データ: ebpm generate が行政事業レビュー見える化サイトの公表形式で作成した架空のレビューシートで、政府の公表データではない';

export const SYNTHETIC_REVIEW_SHEET_NOTE_EN = 'Synthetic data: review sheets made up by ebpm generate in the published format of the 行政事業レビュー見える化サイト; not the government’s published data.';

/** Beside the attribution, for what was made from published and synthetic sheets together. */
export const PARTLY_SYNTHETIC_REVIEW_SHEET_NOTE = '一部は合成データ: 合成の印のあるファイル（ebpm review-sheets files）は ebpm generate が作成した架空のレビューシートで、政府の公表データではない';

export const PARTLY_SYNTHETIC_REVIEW_SHEET_NOTE_EN = 'Partly synthetic: the files marked synthetic (ebpm review-sheets files) were made up by ebpm generate; they are not the government’s published data.';

/** Which kinds of file an output was made from: the RS system's (published), ebpm generate's (synthetic), or both. */
export interface ReviewSheetOrigins {
  readonly published: boolean;
  readonly synthetic: boolean;
}

/** An output of no file (nothing loaded yet) keeps the attribution, as the RS system is where its files come from. */
export const PUBLISHED_ONLY: ReviewSheetOrigins = { published: true, synthetic: false };

/** The origins of a set of files, each synthetic or not; an empty set counts as published (PUBLISHED_ONLY). */
export function originsOf(files: Iterable<{ readonly synthetic: boolean }>): ReviewSheetOrigins {
  let published = false;
  let synthetic = false;
  for (const file of files) {
    if (file.synthetic) synthetic = true;
    else published = true;
  }
  return published || synthetic ? { published, synthetic } : PUBLISHED_ONLY;
}

/** The source lines an output carries, in Japanese: the attribution, the synthetic note, or both. */
export function reviewSheetSource(origins: ReviewSheetOrigins): readonly string[] {
  if (!origins.synthetic) return [REVIEW_SHEET_ATTRIBUTION];
  return origins.published ? [REVIEW_SHEET_ATTRIBUTION, PARTLY_SYNTHETIC_REVIEW_SHEET_NOTE] : [SYNTHETIC_REVIEW_SHEET_NOTE];
}

/** The same lines in English, for the outputs that carry both languages. */
export function reviewSheetSourceEn(origins: ReviewSheetOrigins): readonly string[] {
  if (!origins.synthetic) return [REVIEW_SHEET_ATTRIBUTION_EN];
  return origins.published ? [REVIEW_SHEET_ATTRIBUTION_EN, PARTLY_SYNTHETIC_REVIEW_SHEET_NOTE_EN] : [SYNTHETIC_REVIEW_SHEET_NOTE_EN];
}

/** What several outputs' origins make together (a report of several projects, say). */
export function combinedOrigins(all: Iterable<ReviewSheetOrigins>): ReviewSheetOrigins {
  let published = false;
  let synthetic = false;
  for (const origins of all) {
    published ||= origins.published;
    synthetic ||= origins.synthetic;
  }
  return published || synthetic ? { published, synthetic } : PUBLISHED_ONLY;
}

/**
 * The source lines as one text (a line each), what the commands print and give as `attribution` in JSON: the
 * attribution for the RS system's files, the synthetic note in its place or beside it.
 */
export function reviewSheetSourceText(origins: ReviewSheetOrigins): string {
  return reviewSheetSource(origins).join('\n');
}
