/**
 * An outcome's spread and year-to-year correlation measured on loaded data before the programme's first
 * award (when no unit is treated yet), for the minimum detectable effect of a planned call: the power
 * simulation draws a stationary AR(1) with that standard deviation and first-order correlation. Each year's
 * mean is removed first (common trends and shocks are not part of the outcome's noise the design must see
 * through), the spread is pooled over the years, and the correlation is over consecutive years within units.
 */

export interface BaselineMoments {
  readonly sd: number;
  readonly yearToYearCorrelation: number;
  /** Units with at least one pre-award year. */
  readonly units: number;
  readonly firstYear: number;
  readonly lastYear: number;
}

/** One outcome's rows in unit and year order. */
export interface OutcomeYears {
  readonly unitId: readonly string[];
  readonly fiscalYear: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** Null when fewer than two pre-award years or fewer than ten units have data, or the spread is zero. */
export function baselineMoments(data: OutcomeYears, firstAwardYear: number): BaselineMoments | null {
  const sums = new Map<number, { sum: number; count: number }>();
  for (let i = 0; i < data.values.length; i++) {
    const year = data.fiscalYear[i];
    const value = data.values[i];
    if (year >= firstAwardYear || !Number.isFinite(value)) continue;
    const cell = sums.get(year) ?? { sum: 0, count: 0 };
    cell.sum += value;
    cell.count++;
    sums.set(year, cell);
  }
  if (sums.size < 2) return null;
  const mean = new Map([...sums].map(([year, cell]) => [year, cell.sum / cell.count]));
  let squares = 0;
  let count = 0;
  let crossProducts = 0;
  let previousSquares = 0;
  let currentSquares = 0;
  // Rows come in unit and year order (as the pipeline reads them): a unit is counted at its first pre-award row.
  let units = 0;
  let lastCounted: string | undefined;
  for (let i = 0; i < data.values.length; i++) {
    const year = data.fiscalYear[i];
    const value = data.values[i];
    if (year >= firstAwardYear || !Number.isFinite(value)) continue;
    const deviation = value - (mean.get(year) as number);
    squares += deviation * deviation;
    count++;
    if (data.unitId[i] !== lastCounted) {
      lastCounted = data.unitId[i];
      units++;
    }
    // Consecutive years of the same unit (rows come in unit and year order).
    const j = i - 1;
    if (j >= 0 && data.unitId[j] === data.unitId[i] && data.fiscalYear[j] === year - 1 && Number.isFinite(data.values[j])) {
      const before = data.values[j] - (mean.get(year - 1) as number);
      crossProducts += deviation * before;
      previousSquares += before * before;
      currentSquares += deviation * deviation;
    }
  }
  if (units < 10 || squares === 0 || previousSquares === 0 || currentSquares === 0) return null;
  const years = [...sums.keys()].sort((a, b) => a - b);
  const correlation = crossProducts / Math.sqrt(previousSquares * currentSquares);
  return {
    sd: Math.sqrt(squares / (count - years.length)),
    // The simulation's AR(1) needs 0 ≤ ρ < 1.
    yearToYearCorrelation: Math.min(Math.max(correlation, 0), 0.99),
    units,
    firstYear: years[0],
    lastYear: years[years.length - 1],
  };
}
