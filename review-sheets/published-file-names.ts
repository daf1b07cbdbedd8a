import { basename } from 'node:path';

/**
 * The titles the RS system gives each review-sheet table in its file names (`N-N_RS_YYYY_<title>.csv`), as
 * published for review year 2024: a file written under any other name would not be read as the published one.
 */
export const PUBLISHED_FILE_TITLES = {
  '1-1': '基本情報_組織情報',
  '1-2': '基本情報_事業概要等',
  '1-3': '基本情報_政策・施策、法令等',
  '1-4': '基本情報_補助率等',
  '1-5': '基本情報_関連事業',
  '2-1': '予算・執行_サマリ',
  '2-2': '予算・執行_予算種別・歳出予算項目',
  '3-1': '効果発現経路_目標・実績',
  '3-2': '効果発現経路_目標のつながり',
  '4-1': '点検・評価',
  '5-1': '支出先_支出情報',
  '5-2': '支出先_支出ブロックのつながり',
  '5-3': '支出先_費目・使途',
  '5-4': '支出先_国庫債務負担行為等による契約',
  '6-1': 'その他備考',
} as const;

export type PublishedTable = keyof typeof PUBLISHED_FILE_TITLES;

/** The published file name of a table for a review year, e.g. 3-1_RS_2024_効果発現経路_目標・実績.csv. */
export function publishedFileName(table: PublishedTable, reviewYear: number): string {
  return `${table}_RS_${reviewYear}_${PUBLISHED_FILE_TITLES[table]}.csv`;
}

/**
 * What the name of a file `ebpm generate` made up carries (it writes it just before `.csv`): the file is in the
 * published format, but its rows are not the government's. A load registers such a file as synthetic, and every output made from it says so
 * instead of citing the RS system as its source. Only the name carries the mark (the records must stay exactly as
 * published), so a synthetic file renamed without it would be taken for a published one.
 */
export const SYNTHETIC_FILE_MARK = '_合成データ_synthetic';

/** The name `ebpm generate` gives a synthetic table: the published name with SYNTHETIC_FILE_MARK before `.csv`. */
export function syntheticFileName(table: PublishedTable, reviewYear: number): string {
  return publishedFileName(table, reviewYear).replace(/\.csv$/, `${SYNTHETIC_FILE_MARK}.csv`);
}

/**
 * True for a name that carries SYNTHETIC_FILE_MARK anywhere (NFC or NFD): a copy renamed by a browser or a file manager
 * (`… (1).csv`, `… - コピー.csv`) keeps it. Only the file's own name counts, not its folder's or its zip's.
 */
export function isSyntheticFileName(fileName: string): boolean {
  return basename(fileName).normalize('NFC').includes(SYNTHETIC_FILE_MARK);
}
