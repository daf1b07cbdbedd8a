/**
 * The whole staggered-DiD estimate in one call: balance the panel, estimate ATT(g,t), aggregate, and
 * report it in the shape `ebpm estimate --json` prints (that of the did reference files).
 */
import { aggregateGroupTimeEffects, type AggregateEstimate, type Aggregations } from './aggregations.js';
import { prepareBalancedPanel, type DroppedUnits, type LongDidColumns } from './balanced-panel.js';
import { estimateGroupTimeEffects, type GroupTimeOptions, type GroupTimeResult, type WaldPretest } from './group-time-effects.js';

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
}

export interface DidEstimate {
  readonly report: DidReport;
  readonly groupTime: GroupTimeResult;
  readonly aggregations: Aggregations;
}

const estimateOnly = ({ att, se }: AggregateEstimate) => ({ att, se });

export function estimateStaggeredDid(columns: LongDidColumns, options: GroupTimeOptions): DidEstimate {
  const prepared = prepareBalancedPanel(columns, { anticipation: options.anticipation });
  const groupTime = estimateGroupTimeEffects(prepared.panel, options);
  const aggregations = aggregateGroupTimeEffects(groupTime);
  const notes: string[] = [];
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
  };
  return { report, groupTime, aggregations };
}
