/**
 * The RS system publishes each table as `N-N_RS_YYYY_<title>.csv`: the table number and the review year
 * (事業年度) are read from the name, and the rows are later checked against that year.
 */
import { basename } from 'node:path';

export interface ReviewFileName {
  readonly table: string;
  readonly reviewYear: number;
}

export class ReviewFileNameError extends Error {
  constructor(readonly fileName: string) {
    super(`${fileName} is not named as the RS system publishes review sheets (N-N_RS_YYYY_….csv, e.g. 3-1_RS_2024_効果発現経路_目標・実績.csv); keep the published name`);
    this.name = 'ReviewFileNameError';
  }
}

const PUBLISHED_NAME = /^(\d-\d)_RS_(\d{4})_.*\.csv$/i;

export function parseReviewFileName(path: string): ReviewFileName {
  const name = basename(path).normalize('NFC');
  const match = PUBLISHED_NAME.exec(name);
  if (!match) throw new ReviewFileNameError(name);
  return { table: match[1], reviewYear: Number(match[2]) };
}

export function looksLikeReviewFile(path: string): boolean {
  return PUBLISHED_NAME.test(basename(path).normalize('NFC'));
}
