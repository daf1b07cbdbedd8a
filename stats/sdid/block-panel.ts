/**
 * Long panel columns (unit, period, outcome, treated indicator) into the block layout synthetic DiD needs,
 * with the checks R synthdid's panel.matrices makes: a balanced panel, a 0/1 treatment, and simultaneous
 * adoption (every treated unit treated from the same first period on, never before). Units are sorted by id
 * with the controls first, periods in time order.
 */
import type { BlockPanel } from './estimate.js';

export interface LongPanelColumns {
  readonly unitId: Float64Array | readonly string[];
  readonly time: Float64Array;
  readonly outcome: Float64Array;
  readonly treated: Float64Array;
}

export interface LabelledBlockPanel extends BlockPanel {
  /** Unit ids in row order (controls first). */
  readonly unitLabels: readonly string[];
  readonly periodLabels: readonly number[];
}

export class SdidPanelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SdidPanelError';
  }
}

function compareIds(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function blockPanelFromColumns(columns: LongPanelColumns, names: { outcome: string; treated: string; unit: string; time: string }): LabelledBlockPanel {
  const rows = columns.time.length;
  const unitIndex = new Map<string | number, number>();
  const unitKeys: (string | number)[] = [];
  const periodSet = new Set<number>();
  for (let row = 0; row < rows; row++) {
    const key = columns.unitId[row];
    if (typeof key === 'number' && Number.isNaN(key)) throw new SdidPanelError(`row ${row + 2}: the unit column "${names.unit}" is empty`);
    if (!unitIndex.has(key)) {
      unitIndex.set(key, unitKeys.length);
      unitKeys.push(key);
    }
    const time = columns.time[row];
    if (!Number.isFinite(time)) throw new SdidPanelError(`row ${row + 2}: the time column "${names.time}" is not a number`);
    periodSet.add(time);
    if (!Number.isFinite(columns.outcome[row])) throw new SdidPanelError(`row ${row + 2}: the outcome "${names.outcome}" is missing; synthetic DiD needs every unit in every period (impute or drop the unit)`);
    const d = columns.treated[row];
    if (d !== 0 && d !== 1) throw new SdidPanelError(`row ${row + 2}: the treatment column "${names.treated}" must be 0 or 1, found ${Number.isNaN(d) ? 'an empty value' : d}`);
  }
  const periods = [...periodSet].sort((a, b) => a - b);
  const periodIndex = new Map(periods.map((p, i) => [p, i]));
  const units = unitKeys.length;
  const width = periods.length;
  const outcome = new Float64Array(units * width).fill(Number.NaN);
  const treated = new Uint8Array(units * width);
  for (let row = 0; row < rows; row++) {
    const cell = (unitIndex.get(columns.unitId[row]) as number) * width + (periodIndex.get(columns.time[row]) as number);
    if (!Number.isNaN(outcome[cell])) throw new SdidPanelError(`unit ${String(columns.unitId[row])} has more than one row for ${names.time} = ${columns.time[row]}`);
    outcome[cell] = columns.outcome[row];
    treated[cell] = columns.treated[row];
  }
  for (let u = 0; u < units; u++)
    for (let t = 0; t < width; t++)
      if (Number.isNaN(outcome[u * width + t])) throw new SdidPanelError(`the panel is not balanced: unit ${String(unitKeys[u])} has no row for ${names.time} = ${periods[t]}`);

  let firstTreatedPeriod = -1;
  for (let t = 0; t < width && firstTreatedPeriod < 0; t++) for (let u = 0; u < units; u++) if (treated[u * width + t]) firstTreatedPeriod = t;
  if (firstTreatedPeriod < 0) throw new SdidPanelError(`no unit is ever treated ("${names.treated}" is 0 throughout)`);
  const everTreated = unitKeys.map((_, u) => treated.subarray(u * width, (u + 1) * width).some((d) => d === 1));
  for (let u = 0; u < units; u++) {
    if (!everTreated[u]) continue;
    for (let t = 0; t < width; t++)
      if (treated[u * width + t] !== (t >= firstTreatedPeriod ? 1 : 0))
        throw new SdidPanelError(
          `treatment adoption is not simultaneous: unit ${String(unitKeys[u])} has ${names.treated} = ${treated[u * width + t]} in ${periods[t]}, ` +
            `but the treated block starts in ${periods[firstTreatedPeriod]}; synthetic DiD needs one adoption date (use staggered DiD otherwise)`,
        );
  }

  const order = unitKeys
    .map((key, u) => ({ key, u }))
    .sort((a, b) => Number(everTreated[a.u]) - Number(everTreated[b.u]) || compareIds(a.key, b.key));
  const outcomes = new Float64Array(units * width);
  order.forEach(({ u }, row) => outcomes.set(outcome.subarray(u * width, (u + 1) * width), row * width));
  const controlUnits = everTreated.filter((flag) => !flag).length;
  return {
    outcomes,
    units,
    periods: width,
    controlUnits,
    prePeriods: firstTreatedPeriod,
    unitLabels: order.map(({ key }) => String(key)),
    periodLabels: periods,
  };
}
