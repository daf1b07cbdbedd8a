/**
 * The checks bi.review_findings runs over every loaded review sheet (migration 0026), by their stable ids: what
 * each finds, its name for a reader of the report (Japanese and English), a short label for tables, and what one of
 * its findings is (`unit`): the checks find different things, so their findings are counted apart, never added up.
 * The view's comment states the same; a test holds the two together.
 */
export const FINDING_CHECKS = [
  { id: 'outcome_without_target', nameJa: '目標値も理由もないアウトカム', nameEn: 'outcome with no target and no reason', label: 'no target', unit: 'an outcome indicator', description: 'outcome indicator with no numeric target (2.目標値) in any year and no stated reason (定性的なアウトカム目標を設定している理由)' },
  { id: 'target_year_passed_without_actual', nameJa: '目標年度を過ぎて実績なし', nameEn: 'target year passed with no actual', label: 'target year passed', unit: 'an indicator and target year', description: 'target year (1.目標年度) before the review year with no actual (3.実績値); the review year\'s own actual is not known when the sheet is written, so it has not passed' },
  { id: 'achievement_mismatch', nameJa: '達成率が実績÷目標と不一致', nameEn: 'achievement differs from actual ÷ target', label: 'achievement ≠ actual÷target', unit: 'an indicator and fiscal year', description: 'reported achievement (4.達成率) more than one percentage point from actual ÷ target (target ÷ actual where lower is better)' },
  { id: 'outcome_unreached', nameJa: 'アウトプットからつながらないアウトカム', nameEn: 'outcome no output leads to', label: 'outcome unreached', unit: 'an outcome node', description: 'outcome node that no chain of 3-2 edges from an output reaches (outcome → outcome chains count)' },
  { id: 'output_repeated_as_outcome', nameJa: 'アウトプットと同じ名称のアウトカム指標', nameEn: 'output repeated as an outcome', label: 'output = outcome', unit: 'an outcome indicator', description: 'outcome indicator named exactly as an output indicator of the same project' },
  { id: 'execution_below_half', nameJa: '執行率が5割未満', nameEn: 'execution below half the budget', label: 'execution < 50%', unit: 'a budget year', description: 'past budget year with a current budget above 0 and execution below half of it' },
  { id: 'payee_invalid_corporate_number', nameJa: '法人番号のチェックデジット不一致', nameEn: 'invalid 法人番号 check digit', label: 'invalid 法人番号', unit: 'a payee row (one per block it is listed in)', description: 'payee whose 法人番号 is not 13 digits with a matching check digit' },
] as const;

export type FindingCheckId = (typeof FINDING_CHECKS)[number]['id'];
