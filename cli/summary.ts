/** The human-readable account of an evaluation: what came in, the KPIs, the effects and where BI finds them. */
import type { EvaluationResult } from '../workflows/index.js';
import { formatNumber, formatTable } from './format.js';

export function formatIngestAccount(result: EvaluationResult): string {
  return formatTable(
    ['file', 'kind', 'rows', 'loaded', 'rejected', 'reasons'],
    result.ingest.map((account) => [
      account.fileName + (account.skippedDuplicateFile ? ' (already loaded: no change)' : ''),
      account.kind,
      String(account.rowsTotal),
      String(account.rowsLoaded),
      String(account.rowsRejected),
      Object.entries(account.reasons).map(([code, count]) => `${code}×${count}`).join(', ') || '—',
    ]),
  );
}

export function formatKpis(result: EvaluationResult): string {
  return formatTable(
    ['indicator', 'fiscal year', 'value', 'unit'],
    result.kpis.latest.map((kpi) => [kpi.nameEn, `FY${kpi.fiscalYear}`, formatNumber(kpi.value, 1), kpi.unit]),
  );
}

const DISPLAYED_ESTIMATORS: Readonly<Record<string, string>> = {
  cs_simple: "Callaway-Sant'Anna, overall ATT",
  cs_dynamic: "Callaway-Sant'Anna, average over years since award",
  twfe_static: 'two-way fixed effects (comparison)',
  sdid: 'synthetic DiD, over award cohorts',
  sc: 'synthetic control (comparison)',
  rd_conventional: 'regression discontinuity, conventional',
  rd_robust: 'regression discontinuity, robust interval',
};

/** The true effect an estimator's interval should cover: its own estimand. */
export function trueEffectFor(estimator: string, truths: { simple: number; dynamic: number; atCutoff?: number } | undefined): number | undefined {
  if (truths === undefined) return undefined;
  if (estimator === 'cs_dynamic') return truths.dynamic;
  if (estimator.startsWith('rd_')) return truths.atCutoff;
  return truths.simple;
}

export function formatEffects(result: EvaluationResult, trueEffects?: Readonly<Record<string, { simple: number; dynamic: number; atCutoff?: number }>>): string {
  const header = ['outcome', 'estimator', 'effect', 'std. error', 'CI', 'treated', 'comparison'];
  if (trueEffects) header.push('true effect', 'CI covers it');
  const rows = result.effects.overall.filter((row) => row.estimator in DISPLAYED_ESTIMATORS || row.status !== 'estimated');
  const table = formatTable(
    header,
    rows.map((row) => {
      const level = `${Math.round(row.confidenceLevel * 100)}%`;
      const cells = [
        row.outcome,
        DISPLAYED_ESTIMATORS[row.estimator] ?? row.estimator,
        row.status === 'estimated' ? formatNumber(row.estimate) : 'not estimated',
        formatNumber(row.stdError),
        row.status === 'estimated' ? `${level} [${formatNumber(row.ciLow)}, ${formatNumber(row.ciHigh)}]` : (row.note ?? ''),
        String(row.treatedUnits),
        String(row.comparisonUnits),
      ];
      if (trueEffects) {
        const truth = trueEffectFor(row.estimator, trueEffects[row.outcome]);
        const covers = row.ciLow !== null && row.ciHigh !== null && truth !== undefined && row.ciLow <= truth && truth <= row.ciHigh;
        cells.push(formatNumber(truth ?? null), covers ? 'yes' : 'NO');
      }
      return cells;
    }),
  );
  const pretests = result.effects.pretests
    .map((p) => (p.statistic === null ? `${p.outcome}: not available` : `${p.outcome}: W = ${p.statistic.toFixed(2)}, df = ${p.df}, p = ${(p.pValue as number).toFixed(3)}`))
    .join('; ');
  const missingYears = formatMissingYears(result);
  const sensitivity = (result.effects.sensitivity ?? [])
    .filter((row) => row.target === 'average_post')
    .map((row) => `  ${row.outcome}: ${row.statement}`);
  const robustness = sensitivity.length ? `\nRobustness to departures from parallel trends (Rambachan & Roth; bi.effect_sensitivity):\n${sensitivity.join('\n')}` : '';
  return `${table}\nPre-test of parallel trends before the award (Wald): ${pretests}${missingYears ? `\n${missingYears}` : ''}${robustness}`;
}

const MISSING_YEAR_RULES = {
  balanced: 'balanced panel: units missing a follow-up year are dropped',
  unbalanced: "unbalanced panel (R did's rows mode): every reported year is used",
  unbalanced_paired: 'paired unbalanced panel: each comparison uses the units seen in both of its years',
} as const;

/** One line on how units that stopped reporting were treated, which the spec chooses. */
function formatMissingYears(result: EvaluationResult): string | null {
  const samples = result.effects.samples ?? [];
  if (samples.length === 0) return null;
  const counts = samples
    .map((s) => `${s.outcome}: ${s.missingYears === 'balanced' ? `${s.unitsDropped} units dropped` : `${s.incompleteUnitsKept} units with missing years kept`}`)
    .join('; ');
  return `Missing follow-up years (spec: ${MISSING_YEAR_RULES[samples[0].missingYears]}): ${counts}`;
}
