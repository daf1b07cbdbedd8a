/**
 * Outcome rows as a table holds them, put in the order the analysis reads them in: the consenting units' rows only,
 * in the order of the units given, then of fiscal years. Pure: no I/O.
 */

/** One row per unit and fiscal year, in the order of the units and then of the years; each declared measure as a column (NaN where it was not reported). */
export interface UnitOutcomeColumns {
  /** Each row's unit, as its index in the read's consenting units. */
  readonly unit: Int32Array;
  readonly fiscalYear: Int32Array;
  readonly measures: Readonly<Record<string, Float64Array>>;
}

/** Outcome rows as the table holds them: a run of rows with the same unit id shares one entry of `runUnitIds`. */
export interface StoredOutcomeRows {
  readonly runUnitIds: readonly string[];
  /** Each row's run. */
  readonly rowRun: Int32Array;
  readonly fiscalYear: Int32Array;
  /** In the order of the measure names asked for. */
  readonly measures: readonly Float64Array[];
}

/**
 * The rows of the consenting units, in the order of `units` and then of fiscal years; other units' rows are left
 * out. A count per unit, then each row put in its unit's place, then each unit's few rows put in year order where
 * they are not already (a file usually lists a unit's years in order).
 */
export function inUnitOrder(parts: readonly StoredOutcomeRows[], units: readonly string[], measureNames: readonly string[]): UnitOutcomeColumns {
  const measureCount = measureNames.length;
  const indexOfUnit = new Map(units.map((unitId, index) => [unitId, index]));
  // Each run's unit index; -1 for a unit without a consenting application.
  const runUnits = parts.map((part) => Int32Array.from(part.runUnitIds, (unitId) => indexOfUnit.get(unitId) ?? -1));
  const start = new Int32Array(units.length + 1);
  parts.forEach((part, p) => {
    for (let row = 0; row < part.rowRun.length; row++) {
      const unit = runUnits[p][part.rowRun[row]];
      if (unit >= 0) start[unit + 1]++;
    }
  });
  for (let unit = 0; unit < units.length; unit++) start[unit + 1] += start[unit];
  const rows = start[units.length];
  const unit = new Int32Array(rows);
  const fiscalYear = new Int32Array(rows);
  const measures = Array.from({ length: measureCount }, () => new Float64Array(rows));
  const next = start.slice(0, units.length);
  parts.forEach((part, p) => {
    for (let row = 0; row < part.rowRun.length; row++) {
      const index = runUnits[p][part.rowRun[row]];
      if (index < 0) continue;
      const at = next[index]++;
      unit[at] = index;
      fiscalYear[at] = part.fiscalYear[row];
      for (let m = 0; m < measureCount; m++) measures[m][at] = part.measures[m][row];
    }
  });
  const held = new Float64Array(measureCount);
  for (let index = 0; index < units.length; index++) {
    for (let row = start[index] + 1; row < start[index + 1]; row++) {
      if (fiscalYear[row] >= fiscalYear[row - 1]) continue;
      const year = fiscalYear[row];
      for (let m = 0; m < measureCount; m++) held[m] = measures[m][row];
      let to = row;
      for (; to > start[index] && fiscalYear[to - 1] > year; to--) {
        fiscalYear[to] = fiscalYear[to - 1];
        for (let m = 0; m < measureCount; m++) measures[m][to] = measures[m][to - 1];
      }
      fiscalYear[to] = year;
      for (let m = 0; m < measureCount; m++) measures[m][to] = held[m];
    }
  }
  return { unit, fiscalYear, measures: Object.fromEntries(measureNames.map((name, m) => [name, measures[m]])) };
}
