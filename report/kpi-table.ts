/**
 * The HTML report's KPI table: one row per logic-model indicator in the logic model's order, with the same
 * verdict, share and finding as the progress table (report/xlsx/assessment.ts) and the same number formats
 * (report/xlsx/number-formats.ts): counts as whole numbers, a target at its own precision with its unit, a share
 * as a percentage. Nothing here decides a verdict; it only writes what assessIndicator returns.
 */
import { assessIndicator, VERDICTS, type Verdict } from './xlsx/assessment.js';
import { decimalsOf, decimalsOfFormat, formatForText, indicatorValueFormat } from './xlsx/number-formats.js';
import type { Indicator, IndicatorProgress } from './xlsx/progress-data.js';

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The verdict's key, for the row's data attribute (tests and stylesheets read it). */
export const VERDICT_KEYS: Record<Verdict, string> = {
  [VERDICTS.onTrack]: 'on_track',
  [VERDICTS.behind]: 'behind',
  [VERDICTS.notAssessable]: 'not_assessable',
  [VERDICTS.check]: 'check',
};

/** A value as the progress table shows it, with the indicator's unit: `15 件`, `0.51 index`. */
export function indicatorValueText(indicator: Indicator, value: number): string {
  return `${formatForText(value, decimalsOfFormat(indicatorValueFormat(indicator)))} ${indicator.unit}`;
}

/** A catalogue figure at the precision it was written with, with its unit: `0.6 index`, `50 %`. */
export function catalogueFigureText(indicator: Indicator, value: number): string {
  return `${formatForText(value, decimalsOf(value))} ${indicator.unit}`;
}

/** The share achieved as a percentage with one decimal, as the progress table's 0.0% format shows it. */
export function shareText(share: number): string {
  return `${formatForText(share * 100, 1)} %`;
}

/** Why an indicator has no value, where its data would come from. */
function missingValueReason(indicator: Indicator): string {
  if (indicator.notComputed) return `取得不可 / not available to the pipeline: ${indicator.notComputed.reason} (${indicator.notComputed.source})`;
  if (indicator.computation?.source === 'statistics') return `公的統計が未取込 / official statistics not loaded: ${indicator.computation.publisher}`;
  return `データなし / no ${indicator.computation?.source ?? ''} records yet`;
}

export function kpiTableHtml(rows: readonly IndicatorProgress[], withheld: string): string {
  if (!rows.some((row) => row.judged)) return '<p class="empty">KPIの計算結果はまだありません / No KPI values yet: run an evaluation of this programme.</p>';
  const header = '<tr><th>指標 / indicator</th><th>年度 / FY</th><th>実績 / value</th><th>目標 / target</th><th>達成度 / share achieved</th><th>進捗 / verdict</th></tr>';
  const body = rows
    .map((row) => {
      const { indicator, judged, progress } = row;
      const assessment = assessIndicator(row);
      const value = !judged ? escapeText(missingValueReason(indicator)) : judged.value === null ? withheld : escapeText(indicatorValueText(indicator, judged.value));
      const share = progress?.shareAchieved === null || progress?.shareAchieved === undefined ? '—' : shareText(progress.shareAchieved);
      const verdict = `<b>${escapeText(assessment.verdict.replace('\n', ' / '))}</b><br><small class="finding">${escapeText(assessment.finding)}</small>`;
      return (
        `<tr data-indicator="${escapeText(indicator.id)}" data-stage="${row.stage}" data-verdict="${VERDICT_KEYS[assessment.verdict]}">` +
        `<td>${escapeText(indicator.nameJa)} / ${escapeText(indicator.nameEn)}</td><td>${judged ? `FY${judged.fiscalYear}` : '—'}</td><td>${value}</td>` +
        `<td>${escapeText(catalogueFigureText(indicator, indicator.target.value))} (FY${indicator.target.fiscalYear})</td><td>${share}</td><td>${verdict}</td></tr>`
      );
    })
    .join('');
  return `<table class="kpi-table">${header}${body}</table>`;
}
