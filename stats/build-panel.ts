/**
 * Turns long-format columns (one row per unit and period) into the dense StaggeredPanel layout.
 */
import { checkedUnitIndex, type IndexedUnits } from './indexed-units.js';
import { PanelShapeError, type StaggeredPanel } from './panel.js';

export interface LongPanelColumns {
  readonly unitId: ArrayLike<number | string>;
  readonly time: ArrayLike<number>;
  /** First treated period per row; 0 (or NaN for empty) means never treated. */
  readonly cohort: ArrayLike<number>;
  readonly outcome: ArrayLike<number>;
  /** The units of `unitId` already indexed (first appearance order), which saves a map lookup per row; the layout's `unit` is then that array itself. */
  readonly unitIndex?: IndexedUnits;
}

export class InconsistentCohortError extends PanelShapeError {
  constructor(
    readonly unitId: number | string,
    readonly cohorts: readonly [number, number],
  ) {
    super(
      `unit ${String(unitId)} has two different treatment groups (${cohorts[0]} and ${cohorts[1]}); ` +
        'the group column must hold the first treated period of the unit on every one of its rows',
    );
    this.name = 'InconsistentCohortError';
  }
}

export class DuplicateObservationError extends PanelShapeError {
  constructor(
    readonly unitId: number | string,
    readonly time: number,
  ) {
    super(`unit ${String(unitId)} appears more than once in period ${time}; keep one row per unit and period`);
    this.name = 'DuplicateObservationError';
  }
}

export function buildStaggeredPanel(columns: LongPanelColumns): StaggeredPanel & { readonly unitIds: readonly (number | string)[] } {
  const n = columns.outcome.length;
  const { unit, unitIds } = columns.unitIndex ? unitsGiven(columns.unitIndex, columns.unitId) : unitsOfIds(columns.unitId, n);
  const distinctTimes = new Set<number>();
  for (let i = 0; i < n; i++) {
    const time = columns.time[i];
    if (!Number.isInteger(time)) throw new PanelShapeError(`row ${i + 1}: time value ${time} is not an integer period`);
    distinctTimes.add(time);
  }
  const periods = Int32Array.from([...distinctTimes].sort((a, b) => a - b));
  const periodIndex = new Map<number, number>();
  periods.forEach((value, index) => periodIndex.set(value, index));
  const period = new Int32Array(n);
  const cohortOfUnit = new Int32Array(unitIds.length).fill(-1);
  const seen = new Uint8Array(unitIds.length * periods.length);
  for (let i = 0; i < n; i++) {
    const p = periodIndex.get(columns.time[i]) ?? 0;
    period[i] = p;
    const slot = unit[i] * periods.length + p;
    if (seen[slot]) throw new DuplicateObservationError(unitIds[unit[i]], columns.time[i]);
    seen[slot] = 1;
    const rawCohort = columns.cohort[i];
    const cohort = Number.isNaN(rawCohort) ? 0 : rawCohort;
    const known = cohortOfUnit[unit[i]];
    if (known === -1) cohortOfUnit[unit[i]] = cohort;
    else if (known !== cohort) throw new InconsistentCohortError(unitIds[unit[i]], [known, cohort]);
  }
  return {
    unit,
    period,
    outcome: Float64Array.from(columns.outcome),
    periods,
    cohortOfUnit,
    unitCount: unitIds.length,
    unitIds,
  };
}

function unitsGiven(given: IndexedUnits, unitId: ArrayLike<number | string>): { unit: Int32Array; unitIds: readonly (number | string)[] } {
  const { ofRow, ids } = checkedUnitIndex(given, unitId);
  return { unit: ofRow, unitIds: ids };
}

function unitsOfIds(unitId: ArrayLike<number | string>, rows: number): { unit: Int32Array; unitIds: readonly (number | string)[] } {
  const unitIndex = new Map<number | string, number>();
  const unitIds: (number | string)[] = [];
  const unit = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const id = unitId[i];
    let index = unitIndex.get(id);
    if (index === undefined) {
      index = unitIds.length;
      unitIndex.set(id, index);
      unitIds.push(id);
    }
    unit[i] = index;
  }
  return { unit, unitIds };
}
