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

/**
 * Outcome rows as the table holds them, in runs: rows that lie together with the same unit id (a unit's rows usually
 * do). Run r is rows runStarts[r] … runStarts[r + 1] − 1, of unit runUnitIds[r].
 */
export interface StoredOutcomeRows {
  readonly runUnitIds: readonly string[];
  /** One more entry than there are runs: the last is the number of rows. */
  readonly runStarts: Int32Array;
  readonly fiscalYear: Int32Array;
  /** In the order of the measure names asked for. */
  readonly measures: readonly Float64Array[];
}

/**
 * The rows of the consenting units, in the order of `units` and then of fiscal years; other units' rows are left
 * out. A count per unit, then each run of rows copied to its unit's place (a run at a time rather than a row at a
 * time: the places are scattered, and at 7.9 million rows a jump per row cost 1.3 s), then each unit's few rows put
 * in year order where they are not already (a file usually lists a unit's years in order).
 */
export function inUnitOrder(parts: readonly StoredOutcomeRows[], units: readonly string[], measureNames: readonly string[]): UnitOutcomeColumns {
  const measureCount = measureNames.length;
  const indexOfUnit = new Map(units.map((unitId, index) => [unitId, index]));
  // Each run's unit index; -1 for a unit without a consenting application.
  const runUnits = parts.map((part) => Int32Array.from(part.runUnitIds, (unitId) => indexOfUnit.get(unitId) ?? -1));
  const start = new Int32Array(units.length + 1);
  parts.forEach((part, p) => {
    for (let run = 0; run < part.runUnitIds.length; run++) {
      const index = runUnits[p][run];
      if (index >= 0) start[index + 1] += part.runStarts[run + 1] - part.runStarts[run];
    }
  });
  for (let index = 0; index < units.length; index++) start[index + 1] += start[index];
  const rows = start[units.length];
  const unit = new Int32Array(rows);
  const fiscalYear = new Int32Array(rows);
  const measures = Array.from({ length: measureCount }, () => new Float64Array(rows));
  const next = start.slice(0, units.length);
  parts.forEach((part, p) => {
    for (let run = 0; run < part.runUnitIds.length; run++) {
      const index = runUnits[p][run];
      if (index < 0) continue;
      const from = part.runStarts[run];
      const length = part.runStarts[run + 1] - from;
      const at = next[index];
      next[index] += length;
      for (let k = 0; k < length; k++) {
        unit[at + k] = index;
        fiscalYear[at + k] = part.fiscalYear[from + k];
      }
      for (let m = 0; m < measureCount; m++) {
        const source = part.measures[m];
        const target = measures[m];
        for (let k = 0; k < length; k++) target[at + k] = source[from + k];
      }
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
