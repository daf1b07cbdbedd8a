/**
 * Shapes long-format input into the balanced panel the group-time estimators read, applying the
 * sample rules of R `did` and reporting every unit it drops and why:
 * rows with a missing or non-finite value are dropped; a group of 0 (or empty) means never treated, and
 * so does a first treatment after the last period (plus anticipation); units already treated in the
 * first period (plus anticipation) are dropped; units not observed in every period are dropped.
 */
import { PanelShapeError } from '../panel.js';

export interface LongDidColumns {
  readonly unitId: ArrayLike<number | string>;
  readonly time: ArrayLike<number>;
  /** First treated period; 0 or NaN means never treated. */
  readonly group: ArrayLike<number>;
  readonly outcome: ArrayLike<number>;
  readonly covariates: Readonly<Record<string, ArrayLike<number>>>;
}

export interface BalancedPanel {
  readonly unitIds: readonly (number | string)[];
  /** Calendar value of each period, ascending. */
  readonly periods: Int32Array;
  /** First treated period per unit; 0 = never treated. */
  readonly group: Float64Array;
  /** Outcome, period-major: outcome[t * unitCount + u]. */
  readonly outcome: Float64Array;
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
}

export class DidInputError extends PanelShapeError {
  constructor(message: string) {
    super(message);
    this.name = 'DidInputError';
  }
}

export interface PanelRules {
  readonly anticipation: number;
}

export function prepareBalancedPanel(columns: LongDidColumns, rules: PanelRules): PreparedPanel {
  const n = columns.outcome.length;
  const covariateNames = Object.keys(columns.covariates);
  const covariateColumns = covariateNames.map((name) => columns.covariates[name]);

  // Rows with anything missing are dropped, as did does before balancing.
  const keepRow = new Uint8Array(n);
  let droppedRows = 0;
  const unitsWithMissing = new Set<number | string>();
  for (let i = 0; i < n; i++) {
    let ok = Number.isFinite(columns.outcome[i]) && Number.isFinite(columns.time[i]);
    for (const column of covariateColumns) ok &&= Number.isFinite(column[i]);
    if (ok) keepRow[i] = 1;
    else {
      droppedRows++;
      unitsWithMissing.add(columns.unitId[i]);
    }
  }

  const periodSet = new Set<number>();
  for (let i = 0; i < n; i++) if (keepRow[i]) periodSet.add(columns.time[i]);
  const periods = Int32Array.from([...periodSet].sort((a, b) => a - b));
  if (periods.length < 2) throw new DidInputError(`the data has ${periods.length} period(s) with complete values; difference-in-differences needs at least two`);
  for (const period of periods) if (!Number.isInteger(period)) throw new DidInputError(`time value ${period} is not a whole number; periods must be integers such as years`);
  const firstPeriod = periods[0];
  const lastPeriod = periods[periods.length - 1];

  // One group per unit, checked across all of its rows.
  const groupOfUnit = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const raw = columns.group[i];
    const group = Number.isNaN(raw) ? 0 : raw;
    if (!Number.isFinite(group) || group < 0) {
      throw new DidInputError(`unit ${String(columns.unitId[i])} has group ${raw}; the group must be the first treated period, or 0 for never treated`);
    }
    const known = groupOfUnit.get(columns.unitId[i]);
    if (known === undefined) groupOfUnit.set(columns.unitId[i], group);
    else if (known !== group) {
      throw new DidInputError(
        `unit ${String(columns.unitId[i])} has two different groups (${known} and ${group}); ` +
          'the group column must hold the same first treated period on every row of a unit',
      );
    }
  }

  const dropped = new Map<DropReason, (number | string)[]>();
  const drop = (reason: DropReason, unit: number | string) => {
    const list = dropped.get(reason) ?? [];
    list.push(unit);
    dropped.set(reason, list);
  };

  // Count complete rows per unit and period, to find the units observed in every period exactly once.
  const periodIndex = new Map<number, number>();
  periods.forEach((value, index) => periodIndex.set(value, index));
  const rowsOfUnit = new Map<number | string, number[]>();
  for (let i = 0; i < n; i++) {
    if (!keepRow[i]) continue;
    const list = rowsOfUnit.get(columns.unitId[i]);
    if (list) list.push(i);
    else rowsOfUnit.set(columns.unitId[i], [i]);
  }

  const keptUnits: (number | string)[] = [];
  for (const [unit, group] of groupOfUnit) {
    const effectiveGroup = group > lastPeriod + rules.anticipation ? 0 : group;
    if (effectiveGroup !== 0 && effectiveGroup <= firstPeriod + rules.anticipation) {
      drop('treated_in_first_period', unit);
      continue;
    }
    const rows = rowsOfUnit.get(unit) ?? [];
    const seen = new Set<number>();
    for (const row of rows) {
      const p = periodIndex.get(columns.time[row]) ?? -1;
      if (seen.has(p)) {
        throw new DidInputError(`unit ${String(unit)} has more than one row in period ${columns.time[row]}; keep one row per unit and period`);
      }
      seen.add(p);
    }
    if (seen.size !== periods.length) {
      drop(unitsWithMissing.has(unit) ? 'missing_value' : 'not_observed_every_period', unit);
      continue;
    }
    keptUnits.push(unit);
  }
  if (keptUnits.length === 0) throw new DidInputError('no unit is left after balancing the panel; check the id, time and group columns');

  const unitCount = keptUnits.length;
  const unitIndex = new Map<number | string, number>();
  keptUnits.forEach((unit, index) => unitIndex.set(unit, index));
  const group = new Float64Array(unitCount);
  keptUnits.forEach((unit, index) => {
    const raw = groupOfUnit.get(unit) ?? 0;
    group[index] = raw > lastPeriod + rules.anticipation ? 0 : raw;
  });
  const T = periods.length;
  const outcome = new Float64Array(T * unitCount);
  const k = covariateNames.length + 1;
  const covariatesByPeriod = covariateNames.length ? Array.from({ length: T }, () => new Float64Array(unitCount * k)) : null;
  for (let i = 0; i < n; i++) {
    if (!keepRow[i]) continue;
    const u = unitIndex.get(columns.unitId[i]);
    if (u === undefined) continue;
    const t = periodIndex.get(columns.time[i]) ?? 0;
    outcome[t * unitCount + u] = columns.outcome[i];
    if (covariatesByPeriod) {
      const design = covariatesByPeriod[t];
      design[u * k] = 1;
      covariateColumns.forEach((column, c) => {
        design[u * k + 1 + c] = column[i];
      });
    }
  }
  return {
    panel: { unitIds: keptUnits, periods, group, outcome, covariateNames, covariatesByPeriod, unitCount },
    dropped: [...dropped].map(([reason, units]) => ({ reason, count: units.length, examples: units.slice(0, 5) })),
    droppedRows,
  };
}
