/**
 * The row-level sample R did estimates from when the data are repeated cross-sections (`panel = FALSE`) or
 * an unbalanced panel (`allow_unbalanced_panel = TRUE`): every complete row is kept, and rows are grouped
 * into clusters (the unit for a panel, the row itself for cross-sections) over which influence functions
 * are summed and standard errors computed.
 */
import { completeRows, densePeriods, DidInputError, duplicateRowError, indexUnits, writeDesignRow, type DroppedUnits, type LongDidColumns } from './balanced-panel.js';

export type ClusterBy = 'unit' | 'row';

export interface LongSampleRules {
  readonly anticipation: number;
  readonly control: 'never' | 'notyet';
  /** 'unit' for an unbalanced panel, 'row' for repeated cross-sections. */
  readonly clusterBy: ClusterBy;
}

export interface LongSample {
  /** Calendar value of each period, ascending. */
  readonly periods: Int32Array;
  readonly clusterCount: number;
  /** First treated period of each cluster; 0 = never treated. */
  readonly groupOfCluster: Float64Array;
  /** Mean sampling weight of each cluster's rows (did aggregates them so), or null when unweighted. */
  readonly weightOfCluster: Float64Array | null;
  readonly rowCluster: Int32Array;
  readonly rowOutcome: Float64Array;
  readonly rowWeight: Float64Array | null;
  readonly covariateNames: readonly string[];
  /** Row-major rows × (1 + covariates) design with the intercept first, or null without covariates. */
  readonly rowDesign: Float64Array | null;
  /** Rows are stored period by period (in data order within a period): period p holds rows [periodStart[p], periodStart[p + 1]). */
  readonly periodStart: Int32Array;
  /** True when every cluster is seen in every period: an unbalanced-panel request on a balanced panel. */
  readonly balanced: boolean;
}

export interface PreparedLongSample {
  readonly sample: LongSample;
  readonly dropped: readonly DroppedUnits[];
  readonly droppedRows: number;
}

export function prepareLongSample(columns: LongDidColumns, rules: LongSampleRules): PreparedLongSample {
  const n = columns.outcome.length;
  const covariateNames = Object.keys(columns.covariates);
  const covariateColumns = covariateNames.map((name) => columns.covariates[name]);
  const weightColumn = columns.weights ?? null;
  const byUnit = rules.clusterBy === 'unit';
  const { unitOfRow, ids } = indexUnits(columns.unitId, columns.unitIndex);

  const { complete, droppedRows, firstPeriod, lastPeriod } = completeRows(columns);

  // Each row's group, with did's recoding (after the last period = never treated), checked per unit for panels.
  const groupOfRow = new Float64Array(n);
  const groupOfUnit = new Float64Array(ids.length).fill(Number.NaN);
  let hasNeverTreated = false;
  let latestGroup = -Infinity;
  for (let i = 0; i < n; i++) {
    const raw = columns.group[i];
    const value = raw !== raw ? 0 : raw;
    if (!Number.isFinite(value) || value < 0) {
      throw new DidInputError(`row ${i + 1} has group ${raw}; the group must be the first treated period, or 0 for never treated`);
    }
    const group = value > lastPeriod + rules.anticipation ? 0 : value;
    groupOfRow[i] = group;
    if (byUnit) {
      const u = unitOfRow[i];
      const known = groupOfUnit[u];
      if (known === known && known !== group) {
        throw new DidInputError(
          `unit ${String(columns.unitId[i])} has two different groups (${known} and ${group}); ` +
            'the group column must hold the same first treated period on every row of a unit',
        );
      }
      groupOfUnit[u] = group;
    }
    if (!complete[i]) continue;
    if (group === 0) hasNeverTreated = true;
    else if (group > latestGroup) latestGroup = group;
  }
  // Without never-treated units did drops the periods from the last cohort's treatment on (that cohort is
  // then only a comparison group).
  let periodLimit = Infinity;
  if (!hasNeverTreated && rules.control === 'notyet') periodLimit = latestGroup - rules.anticipation;

  const firstTreatedDrop: (number | string)[] = [];
  const droppedFirstTreated = new Uint8Array(byUnit ? ids.length : 0);
  let keptRows = 0;
  for (let i = 0; i < n; i++) {
    if (!complete[i]) continue;
    const group = groupOfRow[i];
    if (group !== 0 && group <= firstPeriod + rules.anticipation) {
      complete[i] = 0;
      if (!byUnit) firstTreatedDrop.push(i + 1);
      else if (!droppedFirstTreated[unitOfRow[i]]) {
        droppedFirstTreated[unitOfRow[i]] = 1;
        firstTreatedDrop.push(ids[unitOfRow[i]]);
      }
      continue;
    }
    if (columns.time[i] >= periodLimit) {
      complete[i] = 0;
      continue;
    }
    keptRows++;
  }
  if (keptRows === 0) throw new DidInputError('no row is left after removing incomplete rows and units treated in the first period');

  const { periodLookup, periods } = densePeriods(columns.time, complete, firstPeriod, lastPeriod);
  const T = periods.length;

  // Rows are laid out period by period so that a cell's two periods are two contiguous ranges.
  const periodStart = new Int32Array(T + 1);
  // Complete rows have whole periods within 10,000 of the first (completeRows): an exact int32 index, read faster than a double one.
  for (let i = 0; i < n; i++) if (complete[i]) periodStart[periodLookup[(columns.time[i] - firstPeriod) | 0] + 1]++;
  for (let p = 0; p < T; p++) periodStart[p + 1] += periodStart[p];
  const nextSlot = periodStart.slice(0, T);
  const clusterOfUnit = new Int32Array(byUnit ? ids.length : 0).fill(-1);
  const rowCluster = new Int32Array(keptRows);
  const rowOutcome = new Float64Array(keptRows);
  const rowWeight = weightColumn ? new Float64Array(keptRows) : null;
  const k = covariateNames.length + 1;
  const rowDesign = covariateNames.length ? new Float64Array(keptRows * k) : null;
  // A typed array, not a growing JS array: at a million clusters the pushes cost tens of milliseconds, most likely in
  // first touches of V8 heap pages (see indexUnits). No more clusters than kept rows.
  const clusterGroups = new Float64Array(byUnit ? Math.min(ids.length, keptRows) : keptRows);
  let clusterCount = 0;
  const seen = byUnit ? new Uint8Array(ids.length * T) : null;
  for (let i = 0; i < n; i++) {
    if (!complete[i]) continue;
    let cluster: number;
    if (byUnit) {
      const u = unitOfRow[i];
      if (clusterOfUnit[u] < 0) {
        clusterOfUnit[u] = clusterCount;
        clusterGroups[clusterCount++] = groupOfRow[i];
      }
      cluster = clusterOfUnit[u];
    } else {
      cluster = clusterCount;
      clusterGroups[clusterCount++] = groupOfRow[i];
    }
    const p = periodLookup[(columns.time[i] - firstPeriod) | 0];
    if (seen) {
      const slot = unitOfRow[i] * T + p;
      if (seen[slot]) throw duplicateRowError(columns, i);
      seen[slot] = 1;
    }
    const r = nextSlot[p]++;
    rowCluster[r] = cluster;
    rowOutcome[r] = columns.outcome[i];
    if (rowWeight && weightColumn) rowWeight[r] = weightColumn[i];
    if (rowDesign) writeDesignRow(rowDesign, r * k, covariateColumns, i);
  }
  let weightOfCluster: Float64Array | null = null;
  if (rowWeight) {
    weightOfCluster = new Float64Array(clusterCount);
    const rowsOfCluster = new Float64Array(clusterCount);
    for (let row = 0; row < keptRows; row++) {
      weightOfCluster[rowCluster[row]] += rowWeight[row];
      rowsOfCluster[rowCluster[row]]++;
    }
    for (let c = 0; c < clusterCount; c++) weightOfCluster[c] /= rowsOfCluster[c];
  }

  return {
    sample: {
      periods,
      clusterCount,
      groupOfCluster: clusterGroups.slice(0, clusterCount),
      weightOfCluster,
      rowCluster,
      rowOutcome,
      rowWeight,
      covariateNames,
      rowDesign,
      periodStart,
      balanced: byUnit && keptRows === clusterCount * T,
    },
    dropped: firstTreatedDrop.length
      ? [{ reason: 'treated_in_first_period', count: firstTreatedDrop.length, examples: firstTreatedDrop.slice(0, 5) }]
      : [],
    droppedRows,
  };
}
