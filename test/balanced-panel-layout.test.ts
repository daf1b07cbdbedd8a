import { describe, expect, it } from 'vitest';
import { DidInputError, indexUnits, prepareBalancedPanel, type DroppedUnits, type LongDidColumns } from '../stats/did/balanced-panel.js';
import { SeededRandom } from '../stats/random.js';

const PERIODS = [2015, 2016, 2017, 2018, 2019];

interface LongRow {
  readonly id: number | string;
  readonly time: number;
  readonly group: number;
  readonly outcome: number;
  readonly covariate: number;
  readonly weight: number;
}

/** What a unit of each kind looks like: its group and which of its rows are absent or have no outcome. */
const UNIT_KINDS = {
  complete: { firstTreated: null, absent: [], missingOutcome: [] },
  treatedInFirstPeriod: { firstTreated: 2015, absent: [], missingOutcome: [] },
  missingOutcome: { firstTreated: null, absent: [], missingOutcome: [2019] },
  absentPeriod: { firstTreated: null, absent: [2017], missingOutcome: [] },
  neverTreated: { firstTreated: 0, absent: [], missingOutcome: [] },
  treatedInFirstPeriodAndIncomplete: { firstTreated: 2015, absent: [2018], missingOutcome: [] },
  missingOutcomeAndAbsentPeriod: { firstTreated: null, absent: [2016], missingOutcome: [2018] },
  noOutcomeAtAll: { firstTreated: null, absent: [], missingOutcome: PERIODS },
  seenTwice: { firstTreated: null, absent: [2015, 2017, 2019], missingOutcome: [] },
} as const;
type UnitKind = keyof typeof UNIT_KINDS;

const EVERY_KIND = Object.keys(UNIT_KINDS) as UnitKind[];

/** Units of the given kinds in turn, with groups spread over the periods, rows shuffled so that a unit's rows lie apart. */
function panelRows(idOf: (unit: number) => number | string, kinds: readonly UnitKind[], seed: number, units = 90): LongRow[] {
  const random = new SeededRandom(seed);
  const rows: LongRow[] = [];
  for (let unit = 0; unit < units; unit++) {
    const kind = UNIT_KINDS[kinds[unit % kinds.length]];
    // 2016 is treated in the first period once anticipation is 1; 2021 is after the last period (never treated).
    const group = kind.firstTreated ?? [2016, 2017, 2018, 2021][unit % 4];
    const weight = 1 + (unit % 3);
    for (const time of PERIODS) {
      if ((kind.absent as readonly number[]).includes(time)) continue;
      const outcome = (kind.missingOutcome as readonly number[]).includes(time) ? Number.NaN : Math.round(random.normal() * 1000) / 100;
      rows.push({ id: idOf(unit), time, group, outcome, covariate: Math.round(random.normal() * 100) / 10, weight });
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
    weights: Float64Array.from(rows, (row) => row.weight),
  };
}

interface UnitSeen {
  /** The id as the rows give it (a Map's key would turn -0 into 0). */
  readonly id: number | string;
  readonly group: number;
  readonly weight: number;
  readonly complete: Map<number, LongRow>;
  hasMissingValue: boolean;
}

/**
 * The panel as R did's rules describe it, built independently: kept units in the order they first appear,
 * period-major; dropped units listed by reason in the order the reasons first occur, units in the order they appear.
 */
function expectedPanel(rows: readonly LongRow[], keepIncomplete: boolean, anticipation: number) {
  const units = new Map<number | string, UnitSeen>();
  for (const row of rows) {
    const unit = units.get(row.id) ?? { id: row.id, group: row.group, weight: row.weight, complete: new Map<number, LongRow>(), hasMissingValue: false };
    units.set(row.id, unit);
    if (Number.isFinite(row.outcome)) unit.complete.set(row.time, row);
    else unit.hasMissingValue = true;
  }
  const periods = [...new Set(rows.filter((row) => Number.isFinite(row.outcome)).map((row) => row.time))].sort((a, b) => a - b);
  const [first, last] = [periods[0], periods[periods.length - 1]];
  const kept: (number | string)[] = [];
  const dropped = new Map<string, (number | string)[]>();
  for (const [key, unit] of units) {
    const id = unit.id;
    const group = unit.group > last + anticipation ? 0 : unit.group;
    let reason: string | null = null;
    if (group !== 0 && group <= first + anticipation) reason = 'treated_in_first_period';
    else if (unit.complete.size === 0) reason = 'missing_value';
    else if (unit.complete.size !== periods.length && !keepIncomplete) reason = unit.hasMissingValue ? 'missing_value' : 'not_observed_every_period';
    if (reason === null) kept.push(key);
    else dropped.set(reason, [...(dropped.get(reason) ?? []), id]);
  }
  const outcome: number[] = [];
  const design: number[][] = periods.map(() => []);
  periods.forEach((time, t) => {
    for (const id of kept) {
      const row = (units.get(id) as UnitSeen).complete.get(time);
      outcome.push(row ? row.outcome : Number.NaN);
      design[t].push(row ? 1 : 0, row ? row.covariate : 0);
    }
  });
  return {
    periods,
    outcome,
    design,
    group: kept.map((id) => {
      const group = (units.get(id) as UnitSeen).group;
      return group > last + anticipation ? 0 : group;
    }),
    weights: kept.map((id) => (units.get(id) as UnitSeen).weight),
    incomplete: kept.some((id) => (units.get(id) as UnitSeen).complete.size !== periods.length),
    keptIncompleteUnits: kept.filter((id) => (units.get(id) as UnitSeen).complete.size !== periods.length).length,
    droppedRows: rows.filter((row) => !Number.isFinite(row.outcome)).length,
    dropped: [...dropped].map(([reason, ids]): DroppedUnits => ({ reason: reason as DroppedUnits['reason'], count: ids.length, examples: ids.slice(0, 5) })),
  };
}

const ID_KINDS: [string, (unit: number) => number | string][] = [
  ['whole ids in a compact range', (unit) => 700 + unit],
  ['negative whole ids and -0', (unit) => (unit === 0 ? -0 : -unit)],
  ['whole ids above 2^31', (unit) => 3_000_000_000 + unit],
  ['whole ids spread too widely for a lookup table', (unit) => unit * 10_000_000],
  ['text ids', (unit) => `firm-${unit}`],
];

/**
 * Panels that reach each way the panel is laid out: a complete grid with every unit kept or some dropped (values put
 * in place), and grids with places missing, a few or many (a second pass).
 */
const PANEL_SHAPES: [string, readonly UnitKind[]][] = [
  ['units of every kind', EVERY_KIND],
  ['no unit to drop', ['complete', 'neverTreated']],
  ['every place filled, units treated in the first period', ['complete', 'treatedInFirstPeriod', 'neverTreated']],
  ['no unit to drop but incomplete ones', ['complete', 'absentPeriod', 'neverTreated']],
  ['a ragged panel', ['complete', 'treatedInFirstPeriod', 'missingOutcome', 'seenTwice', 'seenTwice', 'seenTwice', 'neverTreated']],
];

describe('the balanced panel the group-time estimators read', () => {
  for (const [idKind, idOf] of ID_KINDS) {
    for (const [shape, kinds] of PANEL_SHAPES) {
      for (const keepIncomplete of [false, true]) {
        for (const anticipation of [0, 1]) {
          it(`lays out the kept units' outcomes, covariates and weights period by period in the order they first appear, and lists the units dropped (${idKind}; ${shape}; incomplete units ${keepIncomplete ? 'kept' : 'dropped'}; anticipation ${anticipation})`, () => {
            const rows = panelRows(idOf, kinds, 11);
            const { panel, dropped, droppedRows, keptIncompleteUnits } = prepareBalancedPanel(columnsOf(rows), { anticipation, keepIncompleteUnits: keepIncomplete });
            const expected = expectedPanel(rows, keepIncomplete, anticipation);
            expect(Array.from(panel.periods)).toEqual(expected.periods);
            expect(panel.unitCount).toBe(expected.group.length);
            expect(Array.from(panel.group)).toEqual(expected.group);
            expect(Array.from(panel.weights ?? [])).toEqual(expected.weights);
            expect(Array.from(panel.outcome)).toEqual(expected.outcome);
            expect(panel.covariatesByPeriod?.map((design) => Array.from(design))).toEqual(expected.design);
            expect(panel.incomplete).toBe(expected.incomplete);
            expect(dropped).toEqual(expected.dropped);
            expect([droppedRows, keptIncompleteUnits]).toEqual([expected.droppedRows, expected.keptIncompleteUnits]);
          });
        }
      }
    }
  }

  it('refuses a unit with two rows in one period, naming the unit and the period, in a unit kept or dropped, whatever the ids and the layout', () => {
    for (const [, idOf] of ID_KINDS) {
      for (const [, kinds] of PANEL_SHAPES) {
        const rows = panelRows(idOf, kinds, 13);
        for (const twice of [rows.find((row) => Number.isFinite(row.outcome) && row.group !== 2015), rows.find((row) => Number.isFinite(row.outcome) && row.group === 2015)]) {
          if (!twice) continue;
          // The repeat added, or put in the place of another unit's row (as many rows as a complete grid has).
          const replaced = rows.findIndex((row) => row.id !== twice.id && Number.isFinite(row.outcome));
          for (const withRepeat of [[...rows, { ...twice, outcome: 1.5 }], rows.map((row, r) => (r === replaced ? { ...twice, outcome: 1.5 } : row))]) {
            const columns = columnsOf(withRepeat);
            for (const keepIncompleteUnits of [false, true]) {
              expect(() => prepareBalancedPanel(columns, { anticipation: 0, keepIncompleteUnits })).toThrow(DidInputError);
              expect(() => prepareBalancedPanel(columns, { anticipation: 0, keepIncompleteUnits })).toThrow(`unit ${String(twice.id)} has more than one row in period ${twice.time}`);
            }
          }
        }
      }
    }
  });

  it('refuses a repeated row when the complete rows, one row without an outcome left out, number exactly the places of the grid', () => {
    // Every place filled, then one row's outcome made missing and another unit's row repeated: as many complete rows as
    // places, one place empty and one filled twice.
    const rows = panelRows((unit) => 700 + unit, ['complete', 'neverTreated'], 14);
    const missing = rows.findIndex((row) => row.id === 700);
    const twice = rows.find((row) => row.id === 701) as LongRow;
    const columns = columnsOf([...rows.map((row, r) => (r === missing ? { ...row, outcome: Number.NaN } : row)), { ...twice, outcome: 2.5 }]);
    expect(() => prepareBalancedPanel(columns, { anticipation: 0 })).toThrow(`unit 701 has more than one row in period ${twice.time}`);
  });

  it('names a unit whose id is -0 as -0 among the dropped units', () => {
    const rows = panelRows((unit) => (unit === 1 ? -0 : 10 + unit), ['complete', 'treatedInFirstPeriod', 'neverTreated', 'complete'], 15, 4);
    const { dropped } = prepareBalancedPanel(columnsOf(rows), { anticipation: 0 });
    expect(dropped).toHaveLength(1);
    expect(dropped[0].reason).toBe('treated_in_first_period');
    expect(Object.is(dropped[0].examples[0], -0)).toBe(true);
  });

  it('lists each unit once, in the order it first appears, as written', () => {
    const unitId = Float64Array.from([9, 7, 9, 8, 7, 8, 10]);
    const { unitOfRow, ids } = indexUnits(unitId);
    expect(Array.from(ids)).toEqual([9, 7, 8, 10]);
    expect(Array.from(unitOfRow)).toEqual([0, 1, 0, 2, 1, 2, 3]);
  });
});
