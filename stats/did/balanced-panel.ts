/**
 * Shapes long-format input into the balanced panel the group-time estimators read, applying the
 * sample rules of R `did` and reporting every unit it drops and why:
 * rows with a missing or non-finite value are dropped; a group of 0 (or empty) means never treated, and
 * so does a first treatment after the last period (plus anticipation); units already treated in the
 * first period (plus anticipation) are dropped; units not observed in every period are dropped.
 */
import { PanelShapeError } from '../panel.js';
import { checkedUnitIndex, type IndexedUnits } from '../indexed-units.js';

export interface LongDidColumns {
  readonly unitId: ArrayLike<number | string>;
  readonly time: ArrayLike<number>;
  /** First treated period; 0 or NaN means never treated. */
  readonly group: ArrayLike<number>;
  readonly outcome: ArrayLike<number>;
  readonly covariates: Readonly<Record<string, ArrayLike<number>>>;
  /** Sampling weights (R did's weightsname); constant within a unit for panels. */
  readonly weights?: ArrayLike<number>;
  /** The units of `unitId` already indexed (first appearance order), which saves indexing them again; read, never written. */
  readonly unitIndex?: IndexedUnits;
}

export interface BalancedPanel {
  /** Calendar value of each period, ascending. */
  readonly periods: Int32Array;
  /** First treated period per unit; 0 = never treated. */
  readonly group: Float64Array;
  /** Outcome, period-major: outcome[t * unitCount + u]; NaN where a kept incomplete unit was not observed. */
  readonly outcome: Float64Array;
  /** Sampling weight per unit, or null when unweighted. */
  readonly weights: Float64Array | null;
  /** True when units missing some periods were kept (their unobserved outcomes are NaN). */
  readonly incomplete: boolean;
  readonly covariateNames: readonly string[];
  /** Per period, the unit × (1 + covariates) design with an intercept column, or null when there are no covariates. */
  readonly covariatesByPeriod: readonly Float64Array[] | null;
  readonly unitCount: number;
}

export type DropReason = 'missing_value' | 'treated_in_first_period' | 'not_observed_every_period';

export interface DroppedUnits {
  readonly reason: DropReason;
  readonly count: number;
  readonly examples: readonly (number | string)[];
}

export interface PreparedPanel {
  readonly panel: BalancedPanel;
  readonly dropped: readonly DroppedUnits[];
  readonly droppedRows: number;
  /** Units missing some periods that were kept (keepIncompleteUnits), which the balanced rule would drop. */
  readonly keptIncompleteUnits: number;
}

export class DidInputError extends PanelShapeError {
  constructor(message: string) {
    super(message);
    this.name = 'DidInputError';
  }
}

export interface PanelRules {
  readonly anticipation: number;
  /** Keep units not observed in every period (for the paired unbalanced estimator) instead of dropping them. */
  readonly keepIncompleteUnits?: boolean;
}

/**
 * Dense indices for unit ids. Integer ids in a compact range use a lookup table, and the ids are listed in a typed
 * array, not a JS array grown id by id: on this project's virtual machines that growth cost about 9 ms for 100,000 ids
 * (bench/README.md, 2026-12-05 night). Other ids use a map, consulted only where the id changes from the previous row
 * (rows of a unit are usually adjacent). Indices a caller already holds (`given`) are checked against the ids and used
 * as they are.
 */
export function indexUnits(unitId: ArrayLike<number | string>, given?: IndexedUnits): { unitOfRow: Int32Array; ids: ArrayLike<number | string> } {
  if (given) {
    const { ofRow, ids } = checkedUnitIndex(given, unitId);
    return { unitOfRow: ofRow, ids };
  }
  const n = unitId.length;
  const unitOfRow = new Int32Array(n);
  if (unitId instanceof Float64Array) {
    let low = Infinity;
    let high = -Infinity;
    let integral = true;
    for (let i = 0; i < n; i++) {
      const id = unitId[i];
      if (id < low) low = id;
      if (id > high) high = id;
      if (!Number.isInteger(id)) integral = false;
    }
    // The range also fits an Int32Array's length and an int32 offset (below).
    if (integral && n > 0 && high - low < Math.max(1 << 20, 8 * n) && high - low < 0x7fffffff) {
      const slot = new Int32Array(high - low + 1).fill(-1);
      // No more units than rows, nor than ids in the range.
      const found = new Float64Array(Math.min(n, high - low + 1));
      let units = 0;
      for (let i = 0; i < n; i++) {
        const id = unitId[i];
        // An exact int32 (whole ids, range checked above); a double index made each lookup about three times slower.
        const offset = (id - low) | 0;
        let index = slot[offset];
        if (index < 0) {
          index = slot[offset] = units;
          found[units++] = id;
        }
        unitOfRow[i] = index;
      }
      return { unitOfRow, ids: found.subarray(0, units) };
    }
  }
  const ids: (number | string)[] = [];
  const index = new Map<number | string, number>();
  let previousId: number | string | undefined;
  let previousIndex = -1;
  for (let i = 0; i < n; i++) {
    const id = unitId[i];
    if (id !== previousId) {
      let found = index.get(id);
      if (found === undefined) {
        found = ids.length;
        index.set(id, found);
        ids.push(id);
      }
      previousId = id;
      previousIndex = found;
    }
    unitOfRow[i] = previousIndex;
  }
  return { unitOfRow, ids };
}

export function prepareBalancedPanel(columns: LongDidColumns, rules: PanelRules): PreparedPanel {
  const n = columns.outcome.length;
  const covariateNames = Object.keys(columns.covariates);
  const covariateColumns = covariateNames.map((name) => columns.covariates[name]);
  const weightColumn = columns.weights ?? null;
  const { unitOfRow, ids } = indexUnits(columns.unitId, columns.unitIndex);
  const unitTotal = ids.length;

  // Pass 1: which rows are complete (did drops the others before balancing), and the periods they cover.
  const { complete: keepRow, droppedRows, firstPeriod, lastPeriod: finalPeriod } = completeRows(columns);
  const unitHasMissing = new Uint8Array(unitTotal);
  if (droppedRows > 0) for (let i = 0; i < n; i++) if (!keepRow[i]) unitHasMissing[unitOfRow[i]] = 1;
  const { periodLookup, periods } = densePeriods(columns.time, keepRow, firstPeriod, finalPeriod);
  const T = periods.length;

  // Pass 2: one group per unit, and each unit seen at most once per period. Where there are as many complete rows as
  // places in the unit × period grid (a balanced panel as it usually comes: unless a row repeats a place, which is
  // refused, every unit is complete), the rows' values are put in their places here, period-major, for every unit,
  // and the units kept are compacted after when some are not (units treated in the first period): a kept row's
  // outcome is finite, so a place still NaN is one no row has filled, and no table of places seen, row periods or
  // second pass over the rows is needed. Otherwise units may be dropped by the hundred thousand (a panel with a few
  // rows missing at random) or the grid may be many times the rows (a ragged panel), and tables of every unit would
  // cost more than they save: a byte per place records what was seen, and a second pass fills the kept units only.
  const groupOfUnit = new Float64Array(unitTotal).fill(Number.NaN);
  const weightOfUnit = weightColumn ? new Float64Array(unitTotal).fill(Number.NaN) : null;
  const k = covariateNames.length + 1;
  const inPlace = n - droppedRows === T * unitTotal;
  const outcomeOfEveryUnit = inPlace ? new Float64Array(T * unitTotal).fill(Number.NaN) : null;
  const designOfEveryUnit = inPlace && covariateNames.length ? Array.from({ length: T }, () => new Float64Array(unitTotal * k)) : null;
  const seen = inPlace ? null : new Uint8Array(unitTotal * T);
  const periodOfRow = inPlace ? null : new Int32Array(n);
  const observedPeriods = new Int32Array(unitTotal);
  for (let i = 0; i < n; i++) {
    const raw = columns.group[i];
    const group = raw !== raw ? 0 : raw;
    const u = unitOfRow[i];
    const known = groupOfUnit[u];
    if (known !== group) {
      if (!Number.isFinite(group) || group < 0) {
        throw new DidInputError(`unit ${String(columns.unitId[i])} has group ${raw}; the group must be the first treated period, or 0 for never treated`);
      }
      if (known === known) {
        throw new DidInputError(
          `unit ${String(columns.unitId[i])} has two different groups (${known} and ${group}); ` +
            'the group column must hold the same first treated period on every row of a unit',
        );
      }
      groupOfUnit[u] = group;
    }
    if (!keepRow[i]) continue;
    if (weightOfUnit && weightColumn) {
      const weight = weightColumn[i];
      const knownWeight = weightOfUnit[u];
      if (knownWeight !== knownWeight) weightOfUnit[u] = weight;
      else if (knownWeight !== weight) {
        throw new DidInputError(
          `unit ${String(columns.unitId[i])} has two different sampling weights (${knownWeight} and ${weight}); ` +
            'panel weights must be the same on every row of a unit (use --repeated-cross-sections for weights that change by period)',
        );
      }
    }
    // Whole periods within 10,000 of the first (completeRows): an exact int32 index, which TurboFan reads faster than a double one.
    const t = periodLookup[(columns.time[i] - firstPeriod) | 0];
    if (outcomeOfEveryUnit) {
      const place = t * unitTotal + u;
      if (outcomeOfEveryUnit[place] === outcomeOfEveryUnit[place]) throw duplicateRowError(columns, i);
      outcomeOfEveryUnit[place] = columns.outcome[i];
      if (designOfEveryUnit) writeDesignRow(designOfEveryUnit[t], u * k, covariateColumns, i);
    } else if (seen && periodOfRow) {
      const place = u * T + t;
      if (seen[place]) throw duplicateRowError(columns, i);
      seen[place] = 1;
      periodOfRow[i] = t;
    }
    observedPeriods[u]++;
  }
  const lastPeriod = finalPeriod;

  const dropped = new Map<DropReason, (number | string)[]>();
  const drop = (reason: DropReason, unit: number | string) => {
    const list = dropped.get(reason) ?? [];
    list.push(unit);
    dropped.set(reason, list);
  };
  const keptIndexOf = new Int32Array(unitTotal).fill(-1);
  let unitCount = 0;
  for (let u = 0; u < unitTotal; u++) {
    const group = groupOfUnit[u] > lastPeriod + rules.anticipation ? 0 : groupOfUnit[u];
    groupOfUnit[u] = group;
    if (group !== 0 && group <= firstPeriod + rules.anticipation) drop('treated_in_first_period', ids[u]);
    else if (observedPeriods[u] === 0) drop('missing_value', ids[u]);
    else if (observedPeriods[u] !== T && !rules.keepIncompleteUnits) drop(unitHasMissing[u] ? 'missing_value' : 'not_observed_every_period', ids[u]);
    else keptIndexOf[u] = unitCount++;
  }
  if (unitCount === 0) throw new DidInputError('no unit is left after balancing the panel; check the id, time and group columns');

  const group = new Float64Array(unitCount);
  const weights = weightOfUnit ? new Float64Array(unitCount) : null;
  for (let u = 0; u < unitTotal; u++) {
    if (keptIndexOf[u] < 0) continue;
    group[keptIndexOf[u]] = groupOfUnit[u];
    if (weights && weightOfUnit) weights[keptIndexOf[u]] = weightOfUnit[u];
  }
  let keptIncompleteUnits = 0;
  for (let u = 0; u < unitTotal; u++) if (keptIndexOf[u] >= 0 && observedPeriods[u] !== T) keptIncompleteUnits++;
  const incomplete = keptIncompleteUnits > 0;
  let outcome: Float64Array;
  let covariatesByPeriod: Float64Array[] | null;
  if (outcomeOfEveryUnit) {
    // The grid is full, so every unit is complete and only units treated in the first period can have been dropped.
    // Every unit kept: the places filled above are the panel. Otherwise the kept units' places, in their order.
    outcome = unitCount === unitTotal ? outcomeOfEveryUnit : keptUnitsOnly(outcomeOfEveryUnit, T, unitTotal, 1, keptIndexOf, unitCount);
    covariatesByPeriod =
      designOfEveryUnit && unitCount < unitTotal ? designOfEveryUnit.map((design) => keptUnitsOnly(design, 1, unitTotal, k, keptIndexOf, unitCount)) : designOfEveryUnit;
  } else {
    outcome = new Float64Array(T * unitCount);
    if (incomplete) outcome.fill(Number.NaN);
    covariatesByPeriod = covariateNames.length ? Array.from({ length: T }, () => new Float64Array(unitCount * k)) : null;
    for (let i = 0; i < n; i++) {
      if (!keepRow[i] || !periodOfRow) continue;
      const u = keptIndexOf[unitOfRow[i]];
      if (u < 0) continue;
      const t = periodOfRow[i];
      outcome[t * unitCount + u] = columns.outcome[i];
      if (covariatesByPeriod) writeDesignRow(covariatesByPeriod[t], u * k, covariateColumns, i);
    }
  }
  return {
    panel: { periods, group, outcome, weights, incomplete, covariateNames, covariatesByPeriod, unitCount },
    dropped: [...dropped].map(([reason, units]) => ({ reason, count: units.length, examples: units.slice(0, 5) })),
    droppedRows,
    keptIncompleteUnits,
  };
}

/** A design row from `offset` on: the intercept's 1, then row `row`'s value of each covariate. */
export function writeDesignRow(design: Float64Array, offset: number, covariateColumns: readonly ArrayLike<number>[], row: number): void {
  design[offset] = 1;
  for (let c = 0; c < covariateColumns.length; c++) design[offset + 1 + c] = covariateColumns[c][row];
}

/** A unit seen twice in one period: the error every sample design gives for it. */
export function duplicateRowError(columns: LongDidColumns, row: number): DidInputError {
  return new DidInputError(`unit ${String(columns.unitId[row])} has more than one row in period ${columns.time[row]}; keep one row per unit and period`);
}

/**
 * The kept units' values of `blocks` consecutive unit-major blocks (each `unitTotal` units of `width` values), in
 * the kept units' order: keptIndexOf gives each unit's place among them, or -1.
 */
function keptUnitsOnly(values: Float64Array, blocks: number, unitTotal: number, width: number, keptIndexOf: Int32Array, unitCount: number): Float64Array {
  const kept = new Float64Array(blocks * unitCount * width);
  for (let b = 0; b < blocks; b++) {
    for (let u = 0; u < unitTotal; u++) {
      const place = keptIndexOf[u];
      if (place < 0) continue;
      const from = (b * unitTotal + u) * width;
      const to = (b * unitCount + place) * width;
      for (let j = 0; j < width; j++) kept[to + j] = values[from + j];
    }
  }
  return kept;
}

/** R did's rule: sampling weights are non-negative with a positive mean. */
function assertUsableWeights(weights: ArrayLike<number>): void {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < weights.length; i++) {
    const weight = weights[i];
    if (!Number.isFinite(weight)) continue;
    if (weight < 0) throw new DidInputError(`sampling weight ${weight} on row ${i + 1} is negative; weights must be zero or more`);
    sum += weight;
    count++;
  }
  if (count > 0 && !(sum > 0)) throw new DidInputError('every sampling weight is zero; weights need a positive mean');
}

export interface CompleteRows {
  /** 1 for a row with a finite outcome, time, weight and covariates (did drops the others first). */
  readonly complete: Uint8Array;
  readonly droppedRows: number;
  readonly firstPeriod: number;
  readonly lastPeriod: number;
}

/** did's first sample rule: rows with a missing or non-finite value are dropped; periods must be whole numbers. */
export function completeRows(columns: LongDidColumns): CompleteRows {
  const n = columns.outcome.length;
  const covariateColumns = Object.values(columns.covariates);
  const weightColumn = columns.weights ?? null;
  if (weightColumn) assertUsableWeights(weightColumn);
  const complete = new Uint8Array(n);
  let droppedRows = 0;
  let firstPeriod = Infinity;
  let lastPeriod = -Infinity;
  for (let i = 0; i < n; i++) {
    const time = columns.time[i];
    let ok = Number.isFinite(columns.outcome[i]) && Number.isFinite(time) && (!weightColumn || Number.isFinite(weightColumn[i]));
    for (let c = 0; c < covariateColumns.length && ok; c++) ok = Number.isFinite(covariateColumns[c][i]);
    if (!ok) {
      droppedRows++;
      continue;
    }
    if (!Number.isInteger(time)) throw new DidInputError(`time value ${time} is not a whole number; periods must be integers such as years`);
    complete[i] = 1;
    if (time < firstPeriod) firstPeriod = time;
    if (time > lastPeriod) lastPeriod = time;
  }
  if (!(lastPeriod >= firstPeriod)) throw new DidInputError('no row has a complete outcome and time; difference-in-differences needs at least two periods');
  if (lastPeriod - firstPeriod > 10_000) throw new DidInputError(`periods run from ${firstPeriod} to ${lastPeriod}; use consecutive period numbers such as years`);
  return { complete, droppedRows, firstPeriod, lastPeriod };
}

/**
 * The periods present among the kept rows, ascending, and a dense table from a time value (minus the first
 * period) to its index: periods are integers in a bounded range, so no map is needed.
 */
export function densePeriods(time: ArrayLike<number>, kept: Uint8Array, firstPeriod: number, lastPeriod: number): { periodLookup: Int32Array; periods: Int32Array } {
  const periodLookup = new Int32Array(lastPeriod - firstPeriod + 1).fill(-1);
  // Kept rows have whole periods within 10,000 of the first (completeRows): an exact int32 index.
  for (let i = 0; i < kept.length; i++) if (kept[i]) periodLookup[(time[i] - firstPeriod) | 0] = 0;
  const periodValues: number[] = [];
  periodLookup.forEach((present, offset) => {
    if (present === 0) {
      periodLookup[offset] = periodValues.length;
      periodValues.push(firstPeriod + offset);
    }
  });
  const periods = Int32Array.from(periodValues);
  if (periods.length < 2) throw new DidInputError(`the data has ${periods.length} period(s) with complete values; difference-in-differences needs at least two`);
  return { periodLookup, periods };
}
