import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runAdhocStudy } from '../analysis/adhoc-study.js';
import { cohortsFromApplications, runEffectStudy, type EffectStudy } from '../analysis/effect-study.js';
import { getProgramme } from '../programmes/catalogue.js';
import { UNIT_KEY_COLUMNS } from '../schemas/unit-of-analysis.js';
import { blockPanelFromColumns, type LabelledBlockPanel } from '../stats/sdid/block-panel.js';
import { estimateCohorts } from '../stats/sdid/cohorts.js';
import { fitEstimator } from '../stats/sdid/estimate.js';
import { jackknifeStandardError, placeboStandardError } from '../stats/sdid/standard-errors.js';
import { generateProgrammeData, type SyntheticManifest } from '../synth/programme-data.js';
import { referenceDataPath } from './support/reference-data.js';

/** A catalogue programme's synthetic files as the effect study takes them (no database). */
function inputsOf(programmeId: string, seed?: number) {
  const programme = getProgramme(programmeId);
  const data = generateProgrammeData(programme.file, { withInvalidRows: false, ...(seed === undefined ? {} : { seed }) });
  const key = UNIT_KEY_COLUMNS[programme.file.unitOfAnalysis];
  const applicants = parse(data.applicantsCsv, { columns: true }) as Record<string, string>[];
  const outcomes = parse(data.outcomesCsv, { columns: true }) as Record<string, string>[];
  const applications = applicants.map((row) => ({
    unitId: row[key],
    awardFiscalYear: row.award_fiscal_year ? Number(row.award_fiscal_year) : null,
    callRound: Number(row.call_round),
    reviewScore: row.review_score ? Number(row.review_score) : null,
    characteristics: { employees: Number(row.employees), requested_amount_yen: Number(row.requested_amount_yen) },
  }));
  const measureNames = Object.keys(outcomes[0]).filter((column) => column !== key && column !== 'fiscal_year');
  const panel = {
    unitId: outcomes.map((row) => row[key]),
    fiscalYear: Int32Array.from(outcomes, (row) => Number(row.fiscal_year)),
    measures: Object.fromEntries(measureNames.map((name) => [name, Float64Array.from(outcomes, (row) => (row[name] === '' ? Number.NaN : Number(row[name])))])),
  };
  return { programme, cohorts: cohortsFromApplications(applications), panel, manifest: data.manifest };
}

/** The synthetic files run through the effect study as the pipeline runs it. */
function studyOf(programmeId: string, seed?: number): { study: EffectStudy; manifest: SyntheticManifest } {
  const { programme, cohorts, panel, manifest } = inputsOf(programmeId, seed);
  return { study: runEffectStudy(programme.studySpec, cohorts, panel, { callRounds: programme.file.callRounds, sensitivity: false }), manifest };
}

function overall(study: EffectStudy, outcome: string, estimator: string) {
  const row = study.effects.find((effect) => effect.outcome === outcome && effect.estimator === estimator && effect.term === 'overall');
  if (!row) throw new Error(`no ${estimator} row for ${outcome}`);
  return row;
}

function prop99(treated: readonly string[], fromYear: number): LabelledBlockPanel {
  const rows = readFileSync(referenceDataPath('california_prop99.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  const state = rows.map((row) => row[0].replace(/"/g, ''));
  const year = Float64Array.from(rows, (row) => Number(row[1]));
  return blockPanelFromColumns(
    { unitId: state, time: year, outcome: Float64Array.from(rows, (row) => Number(row[2])), treated: Float64Array.from(rows, (_, i) => (treated.includes(state[i]) && year[i] >= fromYear ? 1 : 0)) },
    { unit: 'State', time: 'Year', outcome: 'PacksPerCapita', treated: 'treated' },
  );
}

/** A state's outcome row (its values do not depend on which states the panel treats). */
function stateRow(panel: LabelledBlockPanel, state: string): Float64Array {
  const row = panel.unitLabels.indexOf(state);
  return panel.outcomes.slice(row * panel.periods, (row + 1) * panel.periods);
}

/** Rows one after another, as a units × periods block: states by name, or rows given. */
function stateRows(panel: LabelledBlockPanel, rows: readonly (string | Float64Array)[]): Float64Array {
  const values = new Float64Array(rows.length * panel.periods);
  rows.forEach((row, i) => values.set(typeof row === 'string' ? stateRow(panel, row) : row, i * panel.periods));
  return values;
}

/** The panel's controls as the cohort estimator's donors. */
function donorsOf(panel: LabelledBlockPanel) {
  return { donors: panel.outcomes.slice(0, panel.controlUnits * panel.periods), donorCount: panel.controlUnits, periods: panel.periods };
}

/** The block panel as one cohort of the cohort estimator. */
function asOneCohort(panel: LabelledBlockPanel) {
  const n0 = panel.controlUnits;
  return {
    ...donorsOf(panel),
    cohorts: [{ label: panel.periodLabels[panel.prePeriods], firstTreatedPeriod: panel.prePeriods, outcomes: panel.outcomes.slice(n0 * panel.periods), units: panel.units - n0 }],
  };
}

describe('synthetic DiD over award cohorts', () => {
  it('reduces to synthdid on a single cohort: the same estimate, jackknife SE and placebo SE', () => {
    const several = prop99(['California', 'Utah', 'Nevada'], 1989);
    const fit = fitEstimator(several, 'synthdid');
    const cohortFit = estimateCohorts(asOneCohort(several), 'synthdid', { draws: 30, seed: 4 });
    expect(cohortFit.estimate).toBe(fit.estimate);
    expect(cohortFit.seMethod).toBe('jackknife');
    expect(cohortFit.se).toBeCloseTo(jackknifeStandardError(several, fit) as number, 12);
    const california = prop99(['California'], 1989);
    const single = estimateCohorts(asOneCohort(california), 'synthdid', { draws: 30, seed: 4 });
    expect(single.seMethod).toBe('placebo');
    expect(single.se).toBeCloseTo(placeboStandardError(california, fitEstimator(california, 'synthdid'), { draws: 30, seed: 4 }), 12);
  });

  it('averages two cohorts by treated unit-years, and its trajectories give back each cohort estimate', () => {
    const early = prop99(['Utah', 'Nevada'], 1985);
    const late = prop99(['Montana', 'Colorado', 'Idaho'], 1990);
    const donors = prop99(['Utah', 'Nevada', 'Montana', 'Colorado', 'Idaho', 'California'], 1985);
    const { periods } = donors;
    const input = {
      ...donorsOf(donors),
      cohorts: [
        { label: 1985, firstTreatedPeriod: early.prePeriods, outcomes: stateRows(donors, ['Nevada', 'Utah']), units: 2 },
        { label: 1990, firstTreatedPeriod: late.prePeriods, outcomes: stateRows(donors, ['Colorado', 'Idaho', 'Montana']), units: 3 },
      ],
    };
    const result = estimateCohorts(input, 'synthdid', { draws: 20, seed: 1 });
    const [first, second] = result.cohorts;
    const postYears = (cohort: (typeof input.cohorts)[number]) => periods - cohort.firstTreatedPeriod;
    const weights = input.cohorts.map((cohort) => cohort.units * postYears(cohort));
    expect(first.share).toBeCloseTo(weights[0] / (weights[0] + weights[1]), 14);
    expect(result.estimate).toBeCloseTo(first.share * first.fit.estimate + second.share * second.fit.estimate, 12);
    for (const [g, cohort] of result.cohorts.entries()) {
      const t0 = input.cohorts[g].firstTreatedPeriod;
      let postGap = 0;
      for (let t = t0; t < periods; t++) postGap += (cohort.treatedMean[t] - cohort.syntheticShifted[t]) / (periods - t0);
      expect(postGap).toBeCloseTo(cohort.fit.estimate, 9);
    }
    expect(result.seMethod).toBe('jackknife');
    expect(result.se).toBeGreaterThan(0);
  });

  it('falls back to seeded placebo draws over the donors when a cohort has a single treated unit', () => {
    const donors = prop99(['Utah', 'California'], 1985);
    const firstTreated = (year: number) => donors.periodLabels.indexOf(year);
    const input = {
      ...donorsOf(donors),
      cohorts: [
        { label: 1985, firstTreatedPeriod: firstTreated(1985), outcomes: stateRows(donors, ['Utah']), units: 1 },
        { label: 1990, firstTreatedPeriod: firstTreated(1990), outcomes: stateRows(donors, ['California', stateRow(donors, 'Utah').map((v) => v + 3)]), units: 2 },
      ],
    };
    const first = estimateCohorts(input, 'synthdid', { draws: 60, seed: 5 });
    expect(first.seMethod).toBe('placebo');
    expect(first.se).toBeGreaterThan(0);
    expect(estimateCohorts(input, 'synthdid', { draws: 60, seed: 5 }).se).toBe(first.se);
    expect(estimateCohorts(input, 'synthdid', { draws: 60, seed: 6 }).se).not.toBe(first.se);
  });

  it('estimates critical minerals (about a dozen projects), with the interval covering the true effect', () => {
    const { study, manifest } = studyOf('critical-minerals');
    const sdid = overall(study, 'secured_supply', 'sdid');
    const truth = manifest.trueEffects.secured_supply.simple;
    expect(sdid.status).toBe('estimated');
    expect(sdid.treatedUnits).toBeGreaterThanOrEqual(10);
    expect(sdid.treatedUnits).toBeLessThan(20);
    expect(sdid.ciLow as number).toBeLessThan(truth);
    expect(sdid.ciHigh as number).toBeGreaterThan(truth);
    expect(study.designs).toEqual([{ outcome: 'secured_supply', design: 'synthetic_did', settings: { placebo: { draws: 200, seed: 11 } }, reason: null }]);
    expect(study.effects.map((row) => row.estimator)).not.toContain('cs_simple');
    const cohorts = new Set(study.trajectories.map((row) => row.cohort));
    expect([...cohorts].sort()).toEqual([2024, 2025]);
    for (const cohort of cohorts) {
      const weights = study.unitWeights.filter((row) => row.cohort === cohort);
      expect(weights.reduce((sum, row) => sum + row.weight, 0)).toBeCloseTo(1, 9);
    }
  });

  it('covers the true effect in about 95 % of simulated semiconductor-fund panels', () => {
    let covered = 0;
    const draws = 40;
    for (let seed = 1; seed <= draws; seed++) {
      const { study, manifest } = studyOf('semiconductor-fund', seed);
      const sdid = overall(study, 'production_capacity', 'sdid');
      const truth = manifest.trueEffects.production_capacity.simple;
      if ((sdid.ciLow as number) <= truth && truth <= (sdid.ciHigh as number)) covered++;
    }
    // 40 draws at 95 %: fewer than 33 covered would happen by chance less than once in 1,000.
    expect(covered).toBeGreaterThanOrEqual(33);
  });
});

describe('regression discontinuity on review scores in the effect study', () => {
  it('estimates the award effect at the cut-off with the robust interval covering it, and the binned scatter either side', () => {
    const { study, manifest } = studyOf('large-scale-growth-investment');
    const robust = overall(study, 'labour_productivity', 'rd_robust');
    const truth = manifest.trueEffects.labour_productivity.atCutoff as number;
    expect(truth).toBeGreaterThan(50);
    expect(robust.ciLow as number).toBeLessThan(truth);
    expect(robust.ciHigh as number).toBeGreaterThan(truth);
    // Without the award, better-scored firms are more productive: the change measure removes their levels.
    expect(overall(study, 'labour_productivity', 'rd_conventional').stdError).toBeLessThan(robust.stdError as number);
    const [summary] = study.rdSummaries;
    expect(summary).toMatchObject({ outcome: 'labour_productivity', fuzzy: false, followUpYears: 2, awardsAgainstScore: 0 });
    expect(summary.report.design.mass_points).toBe(true);
    expect(summary.densityPValue as number).toBeGreaterThan(0.01);
    const bins = study.rdBins.filter((bin) => bin.outcome === 'labour_productivity');
    expect(bins.some((bin) => bin.scoreMean < 0) && bins.some((bin) => bin.scoreMean >= 0)).toBe(true);
    expect(bins.reduce((sum, bin) => sum + bin.units, 0)).toBe(summary.report.n.left + summary.report.n.right);
    expect(bins.filter((bin) => Math.abs(bin.scoreMean) <= 1 && bin.fitted !== null).length).toBeGreaterThan(0);
    // The other outcome keeps the staggered design.
    expect(overall(study, 'average_wage', 'cs_simple').status).toBe('estimated');
  });

  it('says when awards do not follow the cut-off in a design registered as sharp', () => {
    const programme = getProgramme('large-scale-growth-investment');
    const units = Array.from({ length: 400 }, (_, i) => ({ unitId: `U${i}`, score: 50 + (i % 41), awarded: 50 + (i % 41) >= 71 !== (i === 7) }));
    const cohorts = units.map((unit) => ({
      unitId: unit.unitId,
      firstAwardFiscalYear: unit.awarded ? 2025 : null,
      characteristics: { employees: 10, requested_amount_yen: 1 },
      scoredApplication: { callRound: 3, reviewScore: unit.score, awarded: unit.awarded },
    }));
    const years = [2022, 2023, 2024, 2025, 2026];
    const panel = {
      unitId: units.flatMap((unit) => years.map(() => unit.unitId)),
      fiscalYear: Int32Array.from(units.flatMap(() => years)),
      measures: Object.fromEntries(
        ['labour_productivity', 'average_wage', 'employees'].map((name) => [name, Float64Array.from(units.flatMap((unit, i) => years.map((year) => 500 + unit.score + ((i * 7919 + year) % 13) + (unit.awarded && year >= 2025 ? 20 : 0))))]),
      ),
    };
    const spec = { ...programme.studySpec, outcomes: ['labour_productivity'] };
    const study = runEffectStudy(spec, cohorts, panel, { callRounds: programme.file.callRounds, sensitivity: false });
    expect(study.notes.join('\n')).toMatch(/labour_productivity: 1 applications were awarded against their round's cut-off, yet the spec names a sharp design.*register a fuzzy design/);
  });
});

describe('an ad-hoc study of a programme with several designs', () => {
  it('reports each outcome by its own design: the robust RD estimate and the staggered overall ATT', () => {
    const { programme, cohorts, panel } = inputsOf('large-scale-growth-investment');
    const context = { fields: [], valuesByUnit: new Map(), measures: Object.keys(panel.measures), numericCharacteristics: ['employees'], callRounds: programme.file.callRounds };
    const { effects } = runAdhocStudy(programme.studySpec, cohorts, panel, {}, context);
    expect(effects.map((row) => `${row.outcome}/${row.estimator}/${row.status}`).sort()).toEqual([
      'average_wage/cs_dynamic/estimated',
      'average_wage/cs_simple/estimated',
      'labour_productivity/rd_robust/estimated',
    ]);
  });
});

describe('a descriptive outcome', () => {
  it('is monitored with its reason and gets no estimate', () => {
    const { study } = studyOf('global-south-co-creation');
    expect(study.effects.filter((row) => row.outcome === 'partner_projects_started')).toEqual([]);
    const design = study.designs.find((row) => row.outcome === 'partner_projects_started');
    expect(design?.design).toBe('descriptive');
    expect(design?.reason).toMatch(/only awarded consortia/);
    expect(overall(study, 'exports_to_partners', 'cs_simple').status).toBe('estimated');
  });
});
