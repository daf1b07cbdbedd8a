/**
 * What each design and each stored estimator is called in every output (HTML pages, index, XLSX, charts): one
 * source for the labels, so a synthetic-DiD or RD headline can never be labelled as staggered DiD.
 */
import type { DesignKind } from '../schemas/study-spec.js';

export interface BilingualLabel {
  readonly ja: string;
  readonly en: string;
}

/** The design as a reader should see it named beside an estimate. */
export const DESIGN_LABELS: Readonly<Record<DesignKind, BilingualLabel & { readonly explanation: BilingualLabel }>> = {
  staggered_did: {
    ja: '段階的DiD（Callaway & Sant\'Anna）',
    en: 'staggered difference-in-differences (Callaway & Sant\'Anna)',
    explanation: { ja: '採択企業と不採択企業を公募回ごとに比較', en: 'awarded against rejected applicants over the call rounds' },
  },
  synthetic_did: {
    ja: '合成DiD（Arkhangelsky et al.）',
    en: 'synthetic difference-in-differences (Arkhangelsky et al.)',
    explanation: { ja: '採択コホートごとに、不採択企業を重み付けした合成対照と比較', en: 'each award cohort against a weighted synthetic comparison of never-awarded applicants' },
  },
  rd_review_score: {
    ja: '回帰不連続（審査点の基準点）',
    en: 'regression discontinuity at the review-score cut-off',
    explanation: { ja: '基準点のすぐ上と下の申請者を比較', en: 'applicants just above against just below the review-score cut-off' },
  },
  descriptive: {
    ja: 'モニタリングのみ（推定なし）',
    en: 'monitored only, not estimated',
    explanation: { ja: '効果は推定しない', en: 'no effect is estimated' },
  },
};

/** Stored estimators (see analysis/effect-rows.ts), as the effects tables name them. */
export const ESTIMATOR_LABELS: Readonly<Record<string, BilingualLabel>> = {
  cs_simple: { ja: '全体の平均効果', en: 'overall ATT' },
  cs_dynamic: { ja: '経過年数別の平均', en: 'average over years since award' },
  cs_group: { ja: '採択年度別の平均', en: 'average over cohorts' },
  cs_calendar: { ja: '年度別の平均', en: 'average over years' },
  twfe_static: { ja: '二方向固定効果（比較）', en: 'two-way fixed effects (comparison)' },
  sdid: { ja: '合成DiD', en: 'synthetic DiD' },
  sc: { ja: '合成コントロール（比較）', en: 'synthetic control (comparison)' },
  did_block: { ja: 'DiD（同じコホート、比較）', en: 'DiD on the same cohorts (comparison)' },
  rd_conventional: { ja: '回帰不連続（通常）', en: 'regression discontinuity, conventional' },
  rd_bias_corrected: { ja: '回帰不連続（バイアス補正）', en: 'regression discontinuity, bias-corrected' },
  rd_robust: { ja: '回帰不連続（頑健な区間）', en: 'regression discontinuity, robust interval' },
};

export function designLabel(design: string): BilingualLabel {
  return (DESIGN_LABELS as Readonly<Record<string, BilingualLabel>>)[design] ?? { ja: design, en: design };
}

export function estimatorLabel(estimator: string): BilingualLabel {
  return ESTIMATOR_LABELS[estimator] ?? { ja: estimator, en: estimator };
}
