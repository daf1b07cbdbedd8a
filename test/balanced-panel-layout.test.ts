import { describe, expect, it } from 'vitest';
import { DidInputError, indexUnits, prepareBalancedPanel, type LongDidColumns } from '../stats/did/balanced-panel.js';
import { SeededRandom } from '../stats/random.js';

const PERIODS = [2015, 2016, 2017, 2018, 2019];

interface LongRow {
  readonly id: number | string;
  readonly time: number;
  readonly group: number;
  readonly outcome: number;
  readonly covariate: number;
}

/**
 * Units of every kind the sample rules tell apart: complete, treated in the first period, one with a row whose
 * outcome is missing, one with a period absent, never treated; rows shuffled so that a unit's rows lie apart.
 */
function mixedPanel(idOf: (unit: number) => number | string, seed: number): LongRow[] {
  const random = new SeededRandom(seed);
  const rows: LongRow[] = [];
  for (let unit = 0; unit < 60; unit++) {
    const kind = unit % 5;
    const group = kind === 1 ? 2015 : kind === 4 ? 0 : [2017, 2018, 2021][unit % 3];
    for (const time of PERIODS) {
      if (kind === 3 && time === 2017) continue;
      const outcome = kind === 2 && time === 2019 ? Number.NaN : Math.round(random.normal() * 1000) / 100;
      rows.push({ id: idOf(unit), time, group, outcome, covariate: Math.round(random.normal() * 100) / 10 });
    }
  }
  // Fisher–Yates with the seeded generator.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return rows;
}

function columnsOf(rows: readonly LongRow[]): LongDidColumns {
  const ids = rows.map((row) => row.id);
  return {
    unitId: ids.every((id) => typeof id === 'number') ? Float64Array.from(ids as number[]) : ids,
    time: Float64Array.from(rows, (row) => row.time),
    group: Float64Array.from(rows, (row) => row.group),
    outcome: Float64Array.from(rows, (row) => row.outcome),
    covariates: { x: Float64Array.from(rows, (row) => row.covariate) },
  };
}

/** The panel as the rules describe it, built independently: kept units in the order they first appear, period-major. */
function expectedPanel(rows: readonly LongRow[], keepIncomplete: boolean) {
  const order: (number | string)[] = [];
  const byUnit = new Map<number | string, { group: number; complete: Map<number, LongRow>; missingValue: boolean }>();
  for (const row of rows) {
    if (!byUnit.has(row.id)) {
      order.push(row.id);
      byUnit.set(row.id, { group: row.group, complete: new Map(), missingValue: false });
    }
    const unit = byUnit.get(row.id) as { complete: Map<number, LongRow>; missingValue: boolean };
    if (Number.isFinite(row.outcome)) unit.complete.set(row.time, row);
    else unit.missingValue = true;
  }
  const kept = order.filter((id) => {
    const unit = byUnit.get(id) as { group: number; complete: Map<number, LongRow> };
    if (unit.group !== 0 && unit.group <= PERIODS[0]) return false;
    return keepIncomplete ? unit.complete.size > 0 : unit.complete.size === PERIODS.length;
  });
  const outcome: number[] = [];
  const design: number[][] = PERIODS.map(() => []);
  PERIODS.forEach((time, t) => {
    for (const id of kept) {
      const row = (byUnit.get(id) as { complete: Map<number, LongRow> }).complete.get(time);
      outcome.push(row ? row.outcome : Number.NaN);
      design[t].push(row ? 1 : 0, row ? row.covariate : 0);
    }
  });
  // A first treatment after the last period means never treated.
  const group = kept.map((id) => {
    const first = (byUnit.get(id) as { group: number }).group;
    return first > PERIODS[PERIODS.length - 1] ? 0 : first;
  });
  return { outcome, design, group };
}

describe('the balanced panel the group-time estimators read', () => {
  const idKinds: [string, (unit: number) => number | string][] = [
    ['whole ids in a compact range', (unit) => 700 + unit],
    ['whole ids spread too widely for a lookup table', (unit) => unit * 10_000_000],
    ['text ids', (unit) => `firm-${unit}`],
  ];
  for (const [kind, idOf] of idKinds) {
    for (const keepIncomplete of [false, true]) {
      it(`lays out the kept units' outcomes and covariates period by period in the order they first appear (${kind}, incomplete units ${keepIncomplete ? 'kept' : 'dropped'})`, () => {
        const rows = mixedPanel(idOf, 11);
        const { panel, dropped } = prepareBalancedPanel(columnsOf(rows), { anticipation: 0, keepIncompleteUnits: keepIncomplete });
        const expected = expectedPanel(rows, keepIncomplete);
        expect(Array.from(panel.periods)).toEqual(PERIODS);
        expect(panel.unitCount).toBe(expected.group.length);
        expect(Array.from(panel.group)).toEqual(expected.group);
        expect(Array.from(panel.outcome)).toEqual(expected.outcome);
        expect(panel.covariatesByPeriod?.map((design) => Array.from(design))).toEqual(expected.design);
        expect(panel.incomplete).toBe(keepIncomplete);
        const reasons = Object.fromEntries(dropped.map((entry) => [entry.reason, entry.count]));
        expect(reasons).toEqual(keepIncomplete ? { treated_in_first_period: 12 } : { treated_in_first_period: 12, missing_value: 12, not_observed_every_period: 12 });
      });
    }
  }

  it('names the dropped units by the ids they were written with', () => {
    const rows = mixedPanel((unit) => 700 + unit, 12);
    const { dropped } = prepareBalancedPanel(columnsOf(rows), { anticipation: 0 });
    const examples = Object.fromEntries(dropped.map((entry) => [entry.reason, [...entry.examples].sort((a, b) => Number(a) - Number(b))]));
    // Each list holds the first five units of its kind met in the shuffled rows: compare as sets of the right kind.
    for (const id of examples.treated_in_first_period) expect((Number(id) - 700) % 5).toBe(1);
    for (const id of examples.missing_value) expect((Number(id) - 700) % 5).toBe(2);
    for (const id of examples.not_observed_every_period) expect((Number(id) - 700) % 5).toBe(3);
  });

  it('refuses a unit with two rows in one period, naming the unit and the period, whatever the ids', () => {
    for (const idOf of idKinds.map(([, idOf]) => idOf)) {
      const rows = mixedPanel(idOf, 13);
      const twice = rows.find((row) => Number.isFinite(row.outcome) && row.group !== 2015) as LongRow;
      const columns = columnsOf([...rows, { ...twice, outcome: 1.5 }]);
      expect(() => prepareBalancedPanel(columns, { anticipation: 0 })).toThrow(DidInputError);
      expect(() => prepareBalancedPanel(columns, { anticipation: 0 })).toThrow(`unit ${String(twice.id)} has more than one row in period ${twice.time}`);
    }
  });

  it('lists each unit once, in the order it first appears, as written', () => {
    const unitId = Float64Array.from([9, 7, 9, 8, 7, 8, 10]);
    const { unitOfRow, ids } = indexUnits(unitId);
    expect(Array.from(ids)).toEqual([9, 7, 8, 10]);
    expect(Array.from(unitOfRow)).toEqual([0, 1, 0, 2, 1, 2, 3]);
  });
});
