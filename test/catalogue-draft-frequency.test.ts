/**
 * How a catalogue draft states an indicator's frequency from the review sheet's actuals (review-sheets/catalogue-draft.ts):
 * annual only where two or more actuals run year after year; otherwise a placeholder naming what the sheet shows.
 */
import { describe, expect, it } from 'vitest';
import { draftFrequency } from '../review-sheets/catalogue-draft.js';
import type { YearValue } from '../review-sheets/project-sheet.js';

const year = (fiscalYear: number, cells: { actual?: string; actualText?: string; target?: string }): YearValue => ({
  fiscalYear,
  target: cells.target ?? null,
  actual: cells.actual ?? null,
  achievementReported: null,
  achievementComputed: null,
  isTargetYear: false,
  targetText: cells.target ?? null,
  actualText: cells.actualText ?? cells.actual ?? null,
});

describe('the frequency a draft gives an indicator', () => {
  it('is annual where actuals run year after year, whatever distant target year stands beside them', () => {
    expect(draftFrequency({ values: [year(2021, { actual: '8' }), year(2022, { actual: '6' }), year(2023, { actual: '10' }), year(2029, { target: '20' })] })).toBe('annual');
  });

  it('is left to the author, naming the years, where the actuals skip years (a survey every few years)', () => {
    expect(draftFrequency({ values: [year(2019, { actual: '29.6' }), year(2021, { actual: '8.5' }), year(2022, { actualText: '実施済み' })] })).toBe(
      'TO COMPLETE: the frequency, annual, per_call_round or one_off: the sheet reports actuals for FY2019, FY2021, FY2022 only',
    );
  });

  it('is left to the author where the sheet reports one actual, or none yet', () => {
    expect(draftFrequency({ values: [year(2023, { actual: '19' }), year(2024, { target: '15' })] })).toBe(
      'TO COMPLETE: the frequency, annual, per_call_round or one_off: the sheet reports one actual so far, FY2023',
    );
    expect(draftFrequency({ values: [year(2032, { target: '50' })] })).toBe('TO COMPLETE: the frequency, annual, per_call_round or one_off: the sheet reports no actual yet');
  });
});
