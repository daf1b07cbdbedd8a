/** Options check and show share: --year Y (a review year) and the project id. */
import { UsageError } from '../errors.js';

export function reviewYearOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{4}$/.test(text)) throw new UsageError(`--year must be a review year such as 2024, not "${text}"`);
  return Number(text);
}

export function projectIdArgument(text: string | undefined, command: string): number {
  if (text === undefined) throw new UsageError(`ebpm ${command} needs a 予算事業ID (the RS system's project key, e.g. 3522)`);
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new UsageError(`the 予算事業ID must be a positive whole number, as in the RS system's 予算事業ID column, not "${text}"`);
  return Number(text);
}
