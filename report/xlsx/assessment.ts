/**
 * The 評価・所見 of the progress table, decided from the run: on track, behind or not assessable for each
 * indicator, and a check flag (要確認) with its likely reason when the share achieved is below 0 % or above
 * 200 %, which in practice means the target and the computed value are not on the same scale. Pure functions:
 * the sheet writes what they return.
 */
import type { Indicator, IndicatorProgress } from './progress-data.js';
import { decimalsOf, decimalsOfFormat, formatForText, indicatorValueFormat } from './number-formats.js';

export const VERDICTS = {
  onTrack: '順調\non track',
  behind: '遅れ\nbehind',
  notAssessable: '評価不能\nnot assessable',
  check: '要確認\ncheck',
} as const;

export type Verdict = (typeof VERDICTS)[keyof typeof VERDICTS];

export interface Assessment {
  readonly verdict: Verdict;
  /** One or two sentences, Japanese then English. */
  readonly finding: string;
}

/** Below this share achieved, or above the upper bound, the comparison itself is suspect. */
export const PLAUSIBLE_SHARE = { low: 0, high: 2 } as const;

/** How the indicator's value is formed, which decides the likely reason for an implausible share. */
type Aggregation = 'sum' | 'count' | 'mean' | 'other' | 'statistics';

function aggregationOf(indicator: Indicator): Aggregation {
  const computation = indicator.computation;
  if (!computation) return 'other';
  if (computation.source === 'statistics') return 'statistics';
  if (/op\.sum\(/.test(computation.value)) return 'sum';
  if (/op\.count\(/.test(computation.value)) return 'count';
  if (/op\.mean\(/.test(computation.value)) return 'mean';
  return 'other';
}

function percent(share: number): string {
  return `${formatForText(share * 100, 1)} %`;
}

/** The likely reason an achieved share is out of the plausible range, by how the value is formed. */
export function implausibleShareReason(indicator: Indicator, share: number): string {
  const aggregation = aggregationOf(indicator);
  const overSupportedUnits = indicator.computation?.source === 'outcomes';
  if (share > PLAUSIBLE_SHARE.high) {
    if ((aggregation === 'sum' || aggregation === 'count') && overSupportedUnits) {
      return '実績は支援先全体の合計、目標は1件あたりの水準とみられる：目標の集計範囲を確認 / the value sums all supported units while the target reads like a per-unit figure: check the target\'s scope';
    }
    if (aggregation === 'sum' || aggregation === 'count') {
      return '年度の実績が目標の2倍を超える：目標が想定規模（年度値）に合っているか確認 / the year\'s value is more than twice the target: check the target against the call\'s size';
    }
    return '目標の2倍を超える進捗：基準値・目標値の単位と定義を確認 / more than twice the way to the target: check the units and definitions of baseline and target';
  }
  if ((aggregation === 'sum' || aggregation === 'count') && overSupportedUnits && (indicator.baseline?.value ?? 0) > 0) {
    return '基準値は全国など支援先以外を含む値、実績は支援先のみの合計とみられる：基準値を支援先の合計に揃える / the baseline reads like a national figure, the value is the supported units\' own sum: state both for the same units';
  }
  if (aggregation === 'mean') {
    return '支援先の平均が基準値より目標と逆方向に動いた：支援先の構成の変化か基準値の定義を確認 / the supported units\' mean moved away from the target since the baseline: check the mix of units or the baseline\'s definition';
  }
  return '基準値より目標と逆方向に動いた：基準値・目標値の定義を確認 / moved away from the target since the baseline: check how baseline and target are defined';
}

/**
 * The verdict and finding of one indicator against its target: once the target year has come, on the target
 * year's own value (met or not met, with that year's share); before it, on the latest value against the path.
 * The one verdict function of the progress table and the HTML report's KPI table.
 */
export function assessIndicator(row: Pick<IndicatorProgress, 'indicator' | 'judged' | 'progress'>): Assessment {
  const { indicator, judged: latest, progress } = row;
  if (!indicator.computation) {
    return { verdict: VERDICTS.notAssessable, finding: `未取得：${indicator.notComputed?.reason ?? ''} / not computed by the pipeline` };
  }
  if (!latest) return { verdict: VERDICTS.notAssessable, finding: '値なし：この実行で値が得られていない / no value in this run' };
  if (latest.suppressed || !progress) {
    return { verdict: VERDICTS.notAssessable, finding: `FY${latest.fiscalYear} の値は秘匿（少数セル）/ FY${latest.fiscalYear} value withheld (small cell)` };
  }
  const decimals = decimalsOfFormat(indicatorValueFormat(indicator));
  const value = formatForText(latest.value as number, decimals);
  const share = progress.shareAchieved;
  if (share === null) {
    return { verdict: VERDICTS.notAssessable, finding: `FY${latest.fiscalYear} 実績 ${value}：基準値と目標値が同じで達成率を定義できない / baseline equals target, no share achieved` };
  }
  if (share < PLAUSIBLE_SHARE.low || share > PLAUSIBLE_SHARE.high) {
    return { verdict: VERDICTS.check, finding: `達成率 ${percent(share)}（FY${latest.fiscalYear} 実績 ${value}）。${implausibleShareReason(indicator, share)}` };
  }
  if (latest.fiscalYear >= indicator.target.fiscalYear) {
    const target = formatForText(indicator.target.value, decimalsOf(indicator.target.value));
    const when = latest.fiscalYear === indicator.target.fiscalYear ? `目標年度 FY${latest.fiscalYear}` : `FY${latest.fiscalYear}（目標年度 FY${indicator.target.fiscalYear} の値なし）`;
    return progress.onTrack
      ? { verdict: VERDICTS.onTrack, finding: `目標達成：${when} 実績 ${value}、目標 ${target}、達成率 ${percent(share)} / target year reached, target met` }
      : { verdict: VERDICTS.behind, finding: `目標未達：${when} 実績 ${value}、目標 ${target}、達成率 ${percent(share)} / target year reached, target not met` };
  }
  if (progress.onTrack !== null && progress.expectedValue !== null) {
    const expected = formatForText(progress.expectedValue, decimals);
    return progress.onTrack
      ? { verdict: VERDICTS.onTrack, finding: `達成率 ${percent(share)}：FY${latest.fiscalYear} 実績 ${value} は年度目標 ${expected} に達している / on the path to the target` }
      : { verdict: VERDICTS.behind, finding: `達成率 ${percent(share)}：FY${latest.fiscalYear} 実績 ${value} は年度目標 ${expected} を下回る / below the path to the target` };
  }
  // Without a baseline the catalogue gives only the final target: met, missed once its year has come, or too early to say.
  if (share >= 1) return { verdict: VERDICTS.onTrack, finding: `目標達成：達成率 ${percent(share)}（FY${latest.fiscalYear} 実績 ${value}）/ target met` };
  return {
    verdict: VERDICTS.notAssessable,
    finding: `達成率 ${percent(share)}：基準値がなく年度目標を引けないため、目標年度 FY${indicator.target.fiscalYear} まで判定しない / no baseline, so no yearly path: judged in FY${indicator.target.fiscalYear}`,
  };
}
