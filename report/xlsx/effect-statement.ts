/**
 * The effect of the award in words, as the 評価・所見 column and the effects block quote it: the estimate with its
 * interval and p-value, by the design that produced it, and whether the interval excludes zero.
 */
import { designLabel } from '../design-labels.js';
import type { EffectRow } from './progress-data.js';
import { formatForText } from './number-formats.js';

/** How each unit of analysis is counted in a sentence ("1社あたり"). */
export const UNIT_COUNTERS = { firm: { ja: '社', en: 'firm' }, project: { ja: '件', en: 'project' }, site: { ja: '拠点', en: 'site' } } as const;

function signed(value: number, decimals: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${formatForText(Math.abs(value), decimals)}`;
}

function pText(p: number | null): string {
  if (p === null) return '';
  return p < 0.001 ? 'p<0.001' : `p=${p.toFixed(3)}`;
}

export function effectStatement(effect: EffectRow, options: { readonly unit: string; readonly decimals: number; readonly counter: { readonly ja: string; readonly en: string } }): string {
  const design = designLabel(effect.design);
  const role = effect.is_programme_headline ? '主要な効果' : '効果';
  if (effect.suppression !== null) return `${role}：秘匿（少数セル）/ effect withheld (small cell)`;
  if (effect.status !== 'estimated' || effect.estimate === null) return `${role}：推定できず${effect.note ? `（${effect.note}）` : ''} / not estimated`;
  const { unit, decimals, counter } = options;
  const level = Math.round((effect.confidence_level ?? 0.95) * 100);
  const bounds = effect.ci_low !== null && effect.ci_high !== null ? { low: signed(effect.ci_low, decimals), high: signed(effect.ci_high, decimals) } : null;
  const excludesZero = effect.ci_low !== null && effect.ci_high !== null && (effect.ci_low > 0 || effect.ci_high < 0);
  const estimate = signed(effect.estimate, decimals);
  const p = pText(effect.p_value);
  const ja =
    `${role}（${design.ja}）：1${counter.ja}あたり ${estimate} ${unit}、${bounds ? `${level}%信頼区間 ${bounds.low}〜${bounds.high}` : '区間なし'}${p ? `、${p}` : ''}。` +
    `${bounds ? (excludesZero ? '区間は0を含まない。' : '区間が0を含み効果は確認できない。') : ''}`;
  const en =
    `${effect.is_programme_headline ? 'Headline effect' : 'Effect'} (${design.en}): ${estimate} ${unit} per ${counter.en}, ` +
    `${bounds ? `${level}% CI ${bounds.low} to ${bounds.high}` : 'no interval'}${p ? `, ${p}` : ''}` +
    `${bounds ? (excludesZero ? '; the interval excludes zero.' : '; the interval includes zero: no effect shown.') : '.'}`;
  return `${ja} / ${en}`;
}
