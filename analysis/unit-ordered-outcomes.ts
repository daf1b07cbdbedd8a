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

/** Outcome rows as the table holds them, each row's unit id given by its index in a list of ids. */
export interface StoredOutcomeRows {
  /** Each row's unit id, as its index in the ids the read met. */
  readonly rowIds: Int32Array;
  readonly fiscalYear: Int32Array;
  /** In the order of the measure names asked for. */
  readonly measures: readonly Float64Array[];
}

/**
 * The rows of the consenting units, in the order of the units (`unitOfId` gives each id's place among them, −1 for
 * an id that is not a consenting unit's) and then of fiscal years; other rows are left out. A count per unit, then
 * each row put in its unit's place, then each unit's few rows put in year order where they are not already (a unit's
 * years usually come in order). No map and no string: at 1,000,000 units each map lookup is a cache miss.
 */
export function inUnitOrder(parts: readonly StoredOutcomeRows[], unitOfId: Int32Array, unitCount: number, measureNames: readonly string[]): UnitOutcomeColumns {
  const measureCount = measureNames.length;
  const start = new Int32Array(unitCount + 1);
  for (const part of parts) {
    for (let row = 0; row < part.rowIds.length; row++) {
      const index = unitOfId[part.rowIds[row]];
      if (index >= 0) start[index + 1]++;
    }
  }
  for (let index = 0; index < unitCount; index++) start[index + 1] += start[index];
  const rows = start[unitCount];
  const unit = new Int32Array(rows);
  const fiscalYear = new Int32Array(rows);
  const measures = Array.from({ length: measureCount }, () => new Float64Array(rows));
  const next = start.slice(0, unitCount);
  for (const part of parts) {
    for (let row = 0; row < part.rowIds.length; row++) {
      const index = unitOfId[part.rowIds[row]];
      if (index < 0) continue;
      const at = next[index]++;
      unit[at] = index;
      fiscalYear[at] = part.fiscalYear[row];
      for (let m = 0; m < measureCount; m++) measures[m][at] = part.measures[m][row];
    }
  }
  const held = new Float64Array(measureCount);
  for (let index = 0; index < unitCount; index++) {
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
