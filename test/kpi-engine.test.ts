import * as aq from 'arquero';
import { describe, expect, it } from 'vitest';
import { distinctByYear, evaluateKpi, fiscalYearOfDate, KpiExpressionError } from '../kpi/evaluate-kpis.js';
import { SeededRandom } from '../stats/random.js';
import { getProgramme } from '../programmes/catalogue.js';

import type { KpiDefinition } from '../schemas/kpi-definition.js';

const smeLabourSaving = getProgramme('sme-labour-saving');
const charging = getProgramme('ev-charging-infrastructure');

const records = {
  applications: aq.table({
    unit_id: ['a', 'b', 'c', 'd', 'e'],
    corporate_number: ['a', 'b', 'c', 'd', 'e'],
    awarded: [true, true, false, true, false],
    award_fiscal_year: [2021, 2021, null, 2022, null],
    application_fiscal_year: [2021, 2021, 2021, 2022, 2022],
    subsidy_amount_yen: [2_000_000, 3_000_000, null, 4_500_000, null],
  }),
  outcomes: aq.table({
    unit_id: ['a', 'b', 'a', 'd'],
    corporate_number: ['a', 'b', 'a', 'd'],
    fiscal_year: [2021, 2021, 2022, 2022],
    post_award: [true, false, true, true],
    labour_productivity: [600, 900, 620, 700],
    average_wage: [400, 500, 410, 420],
  }),
};
const tables = { records, statistics: [] };

const kpi = (id: string, programme = smeLabourSaving): KpiDefinition => {
  const definition = programme.kpis.find((candidate) => candidate.id === id);
  if (!definition) throw new Error(`no KPI ${id}`);
  return definition;
};

describe('KPI engine over the programme catalogue definitions', () => {
  it('sums the subsidy granted per award fiscal year, in 億円 (hundred millions of yen)', () => {
    expect(evaluateKpi(kpi('subsidy_granted'), tables)).toEqual([
      { indicatorId: 'subsidy_granted', fiscalYear: 2021, value: 0.05, firms: 2, units: 2 },
      { indicatorId: 'subsidy_granted', fiscalYear: 2022, value: 0.045, firms: 1, units: 1 },
    ]);
  });

  it('computes the award rate per application fiscal year in percent', () => {
    const [first, second] = evaluateKpi(kpi('award_rate'), tables).map((v) => v.value);
    expect(first).toBeCloseTo((2 / 3) * 100, 12);
    expect(second).toBe(50);
  });

  it('averages outcomes over supported firms after their award only', () => {
    expect(evaluateKpi(kpi('labour_productivity_supported'), tables).map((v) => [v.fiscalYear, v.value])).toEqual([
      [2021, 600],
      [2022, 660],
    ]);
  });

  it('reports a broken expression with the indicator id and how to fix it', () => {
    const definition = kpi('firms_awarded');
    const broken = { ...definition, computation: { ...definition.computation, value: 'd => op.nosuch(d.x)' } };
    expect(() => evaluateKpi(broken, tables)).toThrow(KpiExpressionError);
    expect(() => evaluateKpi(broken, tables)).toThrow(/indicator firms_awarded/);
  });

  it('sums a site measure over awarded sites after award, counting the sites and the operators behind each value', () => {
    const sites = {
      applications: aq.table({ unit_id: [], corporate_number: [] }),
      outcomes: aq.table({
        unit_id: ['s1', 's2', 's3', 's1', 's2', 's3', 's4'],
        corporate_number: ['op1', 'op1', 'op2', 'op1', 'op1', 'op2', 'op3'],
        fiscal_year: [2024, 2024, 2024, 2025, 2025, 2025, 2025],
        post_award: [true, true, false, true, true, true, false],
        chargers_in_service: [4, 6, 3, 5, 6, 8, 9],
      }),
    };
    expect(evaluateKpi(kpi('chargers_installed', charging), { records: sites, statistics: [] })).toEqual([
      { indicatorId: 'chargers_installed', fiscalYear: 2024, value: 10, firms: 1, units: 2 },
      { indicatorId: 'chargers_installed', fiscalYear: 2025, value: 19, firms: 2, units: 3 },
    ]);
  });

  it('takes an official-statistics indicator as published, with no firms behind it', () => {
    const statistics = [
      { indicatorId: 'clean_vehicle_share', fiscalYear: 2025, value: 31.5 },
      { indicatorId: 'clean_vehicle_share', fiscalYear: 2024, value: 28 },
      { indicatorId: 'other_indicator', fiscalYear: 2024, value: 1 },
    ];
    expect(evaluateKpi(kpi('clean_vehicle_share', charging), { records, statistics })).toEqual([
      { indicatorId: 'clean_vehicle_share', fiscalYear: 2024, value: 28, firms: null, units: null },
      { indicatorId: 'clean_vehicle_share', fiscalYear: 2025, value: 31.5, firms: null, units: null },
    ]);
  });

  it('assigns dates to Japanese fiscal years starting in April', () => {
    expect(fiscalYearOfDate('2024-03-31')).toBe(2023);
    expect(fiscalYearOfDate('2024-04-01')).toBe(2024);
  });

  it('counts the distinct firms and units per year as arquero op.distinct does, without counting a missing id as one, for codes and strings', () => {
    const random = new SeededRandom(3);
    const rows = 5_000;
    const years = Array.from({ length: rows }, () => 2020 + random.integerBetween(0, 5));
    const codes = Array.from({ length: rows }, () => (random.uniform() < 0.05 ? null : random.integerBetween(0, 700)));
    const table = aq.table({ year: years, id: codes, name: codes.map((code) => (code === null ? null : `firm-${code}`)) });
    // op.distinct counts null as a value; a missing firm is no firm behind a value, so it is left out.
    const expected = table.filter('d => d.id != null').groupby('year').rollup({ n: 'd => op.distinct(d.id)' }).objects() as { year: number; n: number }[];
    const byCode = distinctByYear(years, codes);
    const byName = distinctByYear(years, table.array('name') as ArrayLike<unknown>);
    expect(expected.length).toBe(6);
    for (const { year, n } of expected) {
      expect(byCode.get(year), `FY${year}`).toBe(n);
      expect(byName.get(year), `FY${year}`).toBe(n);
    }
  });
});
