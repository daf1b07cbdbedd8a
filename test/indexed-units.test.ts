import { describe, expect, it } from 'vitest';
import type { LongDidColumns } from '../stats/did/balanced-panel.js';
import { estimateStaggeredDid, type StaggeredDidOptions } from '../stats/did/estimate.js';
import { buildStaggeredPanel } from '../stats/build-panel.js';
import { UnitIndexMismatchError, UnitIndexOrderError, type IndexedUnits } from '../stats/indexed-units.js';
import { readMpdta } from './support/reference-data.js';

const mpdta = readMpdta();
/** mpdta's county ids as text, and their indices in the order the counties first appear. */
const unitId = Array.from(mpdta.countyreal, (county) => `county-${county}`);
function firstAppearanceIndex(ids: readonly string[]): IndexedUnits {
  const indexOf = new Map<string, number>();
  const ofRow = Int32Array.from(ids, (id) => {
    if (!indexOf.has(id)) indexOf.set(id, indexOf.size);
    return indexOf.get(id) as number;
  });
  return { ofRow, ids: [...indexOf.keys()] };
}
const columns: LongDidColumns = { unitId, time: mpdta.year, group: mpdta.firstTreat, outcome: mpdta.lemp, covariates: {} };
const options: StaggeredDidOptions = { control: 'notyet', method: 'dr', anticipation: 0, basePeriod: 'varying', bootstrap: { draws: 199, seed: 4, alpha: 0.05 } };

describe('estimating from units the caller has already indexed', () => {
  it('gives the estimates the ids give, bootstrap draws included, balanced and unbalanced, and the same TWFE layout', () => {
    const unitIndex = firstAppearanceIndex(unitId);
    for (const sample of ['balanced', 'unbalanced'] as const) {
      const fromIds = estimateStaggeredDid(columns, { ...options, sample });
      const fromIndex = estimateStaggeredDid({ ...columns, unitIndex }, { ...options, sample });
      expect(fromIndex.report).toEqual(fromIds.report);
    }
    const layoutColumns = { unitId, time: mpdta.year, cohort: mpdta.firstTreat, outcome: mpdta.lemp };
    expect(buildStaggeredPanel({ ...layoutColumns, unitIndex })).toEqual(buildStaggeredPanel(layoutColumns));
  });

  it('refuses indices that number the units in another order than they first appear, or that do not match the rows', () => {
    const { ofRow, ids } = firstAppearanceIndex(unitId);
    // The first two counties' indices swapped: the same partition of rows, another order of units.
    const swapped = Int32Array.from(ofRow, (index) => (index === 0 ? 1 : index === 1 ? 0 : index));
    for (const sample of ['balanced', 'unbalanced'] as const) {
      expect(() => estimateStaggeredDid({ ...columns, unitIndex: { ofRow: swapped, ids } }, { ...options, sample })).toThrow(UnitIndexOrderError);
    }
    expect(() => estimateStaggeredDid({ ...columns, unitIndex: { ofRow: swapped, ids } }, options)).toThrow('row 1 brings in unit index 1 where the next new unit should be 0');
    expect(() => estimateStaggeredDid({ ...columns, unitIndex: { ofRow: Int32Array.from(ofRow, (index, row) => (row === 0 ? -1 : index)), ids } }, options)).toThrow(UnitIndexOrderError);
    // The first two counties' rows under one index: the ids change where the index does not.
    const merged = Int32Array.from(ofRow, (index) => (index <= 1 ? 0 : index - 1));
    const second = unitId.findIndex((id) => id !== unitId[0]);
    expect(() => estimateStaggeredDid({ ...columns, unitIndex: { ofRow: merged, ids: ids.slice(1) } }, { ...options, sample: 'unbalanced' })).toThrow(UnitIndexMismatchError);
    expect(() => estimateStaggeredDid({ ...columns, unitIndex: { ofRow: merged, ids: [ids[0], ...ids.slice(2)] } }, options)).toThrow(
      `row ${second + 1} has unit id ${unitId[second]} but unit index 0, which stands for ${ids[0]}`,
    );
    expect(() => buildStaggeredPanel({ unitId, time: mpdta.year, cohort: mpdta.firstTreat, outcome: mpdta.lemp, unitIndex: { ofRow: ofRow.subarray(1), ids } })).toThrow(
      `the unit index has ${ofRow.length - 1} rows where the columns have ${ofRow.length}; build the indices from the same rows as the ids`,
    );
    expect(() => estimateStaggeredDid({ ...columns, unitIndex: { ofRow, ids: [...ids, 'county-none'] } }, options)).toThrow(`the rows name ${ids.length} units where the unit index lists ${ids.length + 1} ids`);
  });
});
