/**
 * The whole staggered-DiD estimate in one call: balance the panel, estimate ATT(g,t), aggregate, and
 * report it in the shape `ebpm estimate --json` prints (that of the did reference files).
 */
import { aggregateGroupTimeEffects, type AggregateEstimate, type Aggregations } from './aggregations.js';
import { prepareBalancedPanel, type DroppedUnits, type LongDidColumns } from './balanced-panel.js';
import { estimateGroupTimeEffects, influenceCovariance, type GroupTimeOptions, type GroupTimeResult, type WaldPretest } from './group-time-effects.js';
import { prepareLongSample, type LongSample } from './long-sample.js';
import { estimateGroupTimeEffectsFromRows } from './row-group-time-effects.js';
import { multiplierBootstrap, type BootstrapOptions } from './multiplier-bootstrap.js';

export interface DidReport {
  readonly attgt: readonly { group: number; time: number; att: number | null; se: number | null }[];
  readonly aggregations: {
    readonly simple: { att: number; se: number | null };
    readonly dynamic: { att: number; se: number | null; by: { e: number; att: number; se: number | null }[] };
    readonly group: { att: number; se: number | null; by: { group: number; att: number; se: number | null }[] };
    readonly calendar: { att: number; se: number | null; by: { time: number; att: number; se: number | null }[] };
  };
  readonly pretest: WaldPretest | null;
  readonly n: { readonly units: number; readonly periods: number };
  readonly dropped: readonly DroppedUnits[];
  readonly notes: readonly string[];
  readonly bootstrap?: BootstrapReport;
}

/** A bootstrap standard error and the uniform band (estimate ± critical value × SE) of one element. */
export interface BandedEstimate {
  readonly att: number;
  readonly se: number | null;
  readonly bandLow: number | null;
  readonly bandHigh: number | null;
}

export interface BootstrapReport {
  readonly draws: number;
  readonly seed: number;
  readonly confidenceLevel: number;
  readonly multipliers: 'gaussian';
  readonly simple: { readonly se: number | null };
  readonly attgt: { readonly criticalValue: number; readonly cells: readonly (BandedEstimate & { group: number; time: number })[] };
  readonly dynamic: { readonly criticalValue: number; readonly se: number | null; readonly by: readonly (BandedEstimate & { e: number })[] };
  readonly group: { readonly criticalValue: number; readonly se: number | null; readonly by: readonly (BandedEstimate & { group: number })[] };
  readonly calendar: { readonly criticalValue: number; readonly se: number | null; readonly by: readonly (BandedEstimate & { time: number })[] };
}

/** How the sample was formed from units with missing periods. */
export interface SampleAccount {
  readonly design: SampleDesign;
  /** Units missing some periods that were kept (paired and did's unbalanced modes). */
  readonly incompleteUnitsKept: number;
  /** Units left out of the estimate for any reason (balanced rule, treated in the first period, no complete row). */
  readonly unitsDropped: number;
}

export interface DidEstimate {
  readonly report: DidReport;
  readonly groupTime: GroupTimeResult;
  readonly aggregations: Aggregations;
  readonly sample: SampleAccount;
  /** The universal-base estimate made in the same pass, when `alsoUniversal` asked for it (panel designs only). */
  readonly universal?: { readonly groupTime: GroupTimeResult; readonly aggregations: Aggregations };
}

const estimateOnly = ({ att, se }: AggregateEstimate) => ({ att, se });

/**
 * How the sample is formed when units are missing some periods:
 * - balanced: R did's default; units not seen in every period are dropped (and reported);
 * - unbalanced: R did's allow_unbalanced_panel, every row kept and each ATT(g,t) estimated with the
 *   repeated-cross-section formulas, clustered by unit;
 * - unbalanced_paired: each ATT(g,t) from the units observed in both its base period and t, with the panel
 *   formulas (valid when attrition is unrelated to the outcome path);
 * - repeated_cross_sections: R did's panel = FALSE, every row its own observation.
 */
export type SampleDesign = 'balanced' | 'unbalanced' | 'unbalanced_paired' | 'repeated_cross_sections';

export interface StaggeredDidOptions extends GroupTimeOptions {
  readonly bootstrap?: BootstrapOptions;
  /** Default 'balanced'. */
  readonly sample?: SampleDesign;
}

interface EstimatedSample {
  readonly groupTime: GroupTimeResult;
  readonly dropped: readonly DroppedUnits[];
  readonly droppedRows: number;
  readonly notes: readonly string[];
  readonly incompleteUnitsKept: number;
}

function balancedEstimate(columns: LongDidColumns, options: StaggeredDidOptions, keepIncompleteUnits: boolean): EstimatedSample {
  const prepared = prepareBalancedPanel(columns, { anticipation: options.anticipation, keepIncompleteUnits });
  const notes = prepared.panel.incomplete
    ? [
        `each ATT(g,t) uses the units observed in both its base period and t (paired unbalanced-panel estimator); ` +
          `${prepared.keptIncompleteUnits} units missing some periods are kept, which a balanced panel would drop`,
      ]
    : [];
  return {
    groupTime: estimateGroupTimeEffects(prepared.panel, options),
    dropped: prepared.dropped,
    droppedRows: prepared.droppedRows,
    notes,
    incompleteUnitsKept: prepared.keptIncompleteUnits,
  };
}

function countIncompleteClusters(sample: LongSample): number {
  const rowsOfCluster = new Int32Array(sample.clusterCount);
  for (let row = 0; row < sample.rowCluster.length; row++) rowsOfCluster[sample.rowCluster[row]]++;
  let incomplete = 0;
  for (let c = 0; c < sample.clusterCount; c++) if (rowsOfCluster[c] < sample.periods.length) incomplete++;
  return incomplete;
}

function estimateOnSample(columns: LongDidColumns, options: StaggeredDidOptions): EstimatedSample {
  const design = options.sample ?? 'balanced';
  if (design === 'balanced' || design === 'unbalanced_paired') return balancedEstimate(columns, options, design === 'unbalanced_paired');
  const clusterBy = design === 'unbalanced' ? 'unit' : 'row';
  const prepared = prepareLongSample(columns, { anticipation: options.anticipation, control: options.control, clusterBy });
  // As did: an unbalanced-panel request on data that turn out balanced is estimated as a panel.
  if (prepared.sample.balanced) return balancedEstimate(columns, options, false);
  const rows = prepared.sample.rowOutcome.length;
  const notes = [
    design === 'unbalanced'
      ? `unbalanced panel: ${prepared.sample.clusterCount} units in ${rows} rows, each ATT(g,t) by the repeated-cross-section formulas clustered by unit (R did's allow_unbalanced_panel)`
      : `repeated cross-sections: ${rows} rows, each its own observation (R did's panel = FALSE)`,
  ];
  const groupTime = estimateGroupTimeEffectsFromRows(prepared.sample, options);
  const incompleteUnitsKept = design === 'unbalanced' ? countIncompleteClusters(prepared.sample) : 0;
  return { groupTime, dropped: prepared.dropped, droppedRows: prepared.droppedRows, notes, incompleteUnitsKept };
}

function banded<Key extends object>(key: Key, att: number, se: number | null, criticalValue: number): BandedEstimate & Key {
  const usable = se !== null && Number.isFinite(criticalValue);
  return { ...key, att, se, bandLow: usable ? att - criticalValue * (se as number) : null, bandHigh: usable ? att + criticalValue * (se as number) : null };
}

function bootstrapReport(groupTime: GroupTimeResult, aggregations: Aggregations, options: BootstrapOptions): BootstrapReport {
  const cellIndices: number[] = [];
  groupTime.influence.forEach((influence, index) => {
    if (influence !== null) cellIndices.push(index);
  });
  const columns: Float64Array[] = cellIndices.map((index) => groupTime.influence[index] as Float64Array);
  const family = (influences: readonly Float64Array[]) => {
    const start = columns.length;
    columns.push(...influences);
    return influences.map((_, offset) => start + offset);
  };
  const cellFamily = cellIndices.map((_, offset) => offset);
  const dynamicFamily = family(aggregations.dynamic.by.map((entry) => entry.influence));
  const groupFamily = family(aggregations.group.by.map((entry) => entry.influence));
  const calendarFamily = family(aggregations.calendar.by.map((entry) => entry.influence));
  const [simple, dynamicOverall, groupOverall, calendarOverall] = family([
    aggregations.simple.influence,
    aggregations.dynamic.overall.influence,
    aggregations.group.overall.influence,
    aggregations.calendar.overall.influence,
  ]);
  const covariance = influenceCovariance(groupTime.algebra, columns);
  const result = multiplierBootstrap(covariance, columns.length, groupTime.unitCount, [cellFamily, dynamicFamily, groupFamily, calendarFamily], options);
  const se = (column: number) => result.columns[column].se;
  const [cellCritical, dynamicCritical, groupCritical, calendarCritical] = result.criticalValues;
  return {
    draws: options.draws,
    seed: options.seed,
    confidenceLevel: 1 - options.alpha,
    multipliers: 'gaussian',
    simple: { se: se(simple) },
    attgt: {
      criticalValue: cellCritical,
      cells: cellIndices.map((cellIndex, offset) => {
        const cell = groupTime.cells[cellIndex];
        return banded({ group: cell.group, time: cell.time }, cell.att as number, se(cellFamily[offset]), cellCritical);
      }),
    },
    dynamic: {
      criticalValue: dynamicCritical,
      se: se(dynamicOverall),
      by: aggregations.dynamic.by.map((entry, offset) => banded({ e: entry.e }, entry.att, se(dynamicFamily[offset]), dynamicCritical)),
    },
    group: {
      criticalValue: groupCritical,
      se: se(groupOverall),
      by: aggregations.group.by.map((entry, offset) => banded({ group: entry.group }, entry.att, se(groupFamily[offset]), groupCritical)),
    },
    calendar: {
      criticalValue: calendarCritical,
      se: se(calendarOverall),
      by: aggregations.calendar.by.map((entry, offset) => banded({ time: entry.time }, entry.att, se(calendarFamily[offset]), calendarCritical)),
    },
  };
}

export function estimateStaggeredDid(columns: LongDidColumns, options: StaggeredDidOptions): DidEstimate {
  const prepared = estimateOnSample(columns, options);
  const groupTime = prepared.groupTime;
  const aggregations = aggregateGroupTimeEffects(groupTime);
  const notes: string[] = [...prepared.notes];
  if (prepared.droppedRows > 0) notes.push(`${prepared.droppedRows} rows with missing or non-finite values were dropped`);
  for (const dropped of prepared.dropped) notes.push(`${dropped.count} units dropped: ${dropped.reason.replace(/_/g, ' ')} (e.g. ${dropped.examples.join(', ')})`);
  for (const cell of groupTime.cells) {
    if (cell.att === null) notes.push(`ATT(${cell.group}, ${cell.time}) not estimated: ${cell.note}; left out of the aggregations`);
  }
  if (groupTime.pretestNote) notes.push(`pre-test not reported: ${groupTime.pretestNote}`);
  const report: DidReport = {
    attgt: groupTime.cells.map(({ group, time, att, se }) => ({ group, time, att, se })),
    aggregations: {
      simple: estimateOnly(aggregations.simple),
      dynamic: { ...estimateOnly(aggregations.dynamic.overall), by: aggregations.dynamic.by.map(({ e, att, se }) => ({ e, att, se })) },
      group: { ...estimateOnly(aggregations.group.overall), by: aggregations.group.by.map(({ group, att, se }) => ({ group, att, se })) },
      calendar: { ...estimateOnly(aggregations.calendar.overall), by: aggregations.calendar.by.map(({ time, att, se }) => ({ time, att, se })) },
    },
    pretest: groupTime.pretest,
    n: { units: groupTime.unitCount, periods: groupTime.periods.length },
    dropped: prepared.dropped,
    notes,
    ...(options.bootstrap ? { bootstrap: bootstrapReport(groupTime, aggregations, options.bootstrap) } : {}),
  };
  const sample: SampleAccount = {
    design: options.sample ?? 'balanced',
    incompleteUnitsKept: prepared.incompleteUnitsKept,
    unitsDropped: prepared.dropped.reduce((sum, entry) => sum + entry.count, 0),
  };
  const universal = groupTime.universal ? { groupTime: groupTime.universal, aggregations: aggregateGroupTimeEffects(groupTime.universal) } : undefined;
  return { report, groupTime, aggregations, sample, ...(universal ? { universal } : {}) };
}
