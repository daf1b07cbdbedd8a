/**
 * The checks bi.review_findings runs over every loaded review sheet (migration 0026), by their stable ids: what
 * each finds, and a short label for tables. The view's comment states the same; a test holds the two together.
 */
export const FINDING_CHECKS = [
  { id: 'outcome_without_target', label: 'no target', description: 'outcome indicator with no numeric target (2.目標値) in any year and no stated reason (定性的なアウトカム目標を設定している理由)' },
  { id: 'target_year_passed_without_actual', label: 'target year passed', description: 'target year (1.目標年度) before the review year with no actual (3.実績値); the review year\'s own actual is not known when the sheet is written, so it has not passed' },
  { id: 'achievement_mismatch', label: 'achievement ≠ actual÷target', description: 'reported achievement (4.達成率) more than one percentage point from actual ÷ target (target ÷ actual where lower is better)' },
  { id: 'outcome_unreached', label: 'outcome unreached', description: 'outcome node that no chain of 3-2 edges from an output reaches (outcome → outcome chains count)' },
  { id: 'output_repeated_as_outcome', label: 'output = outcome', description: 'outcome indicator named exactly as an output indicator of the same project' },
  { id: 'execution_below_half', label: 'execution < 50%', description: 'past budget year with a current budget above 0 and execution below half of it' },
  { id: 'payee_invalid_corporate_number', label: 'invalid 法人番号', description: 'payee whose 法人番号 is not 13 digits with a matching check digit' },
] as const;

export type FindingCheckId = (typeof FINDING_CHECKS)[number]['id'];
