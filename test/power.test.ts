import { describe, expect, it } from 'vitest';
import { baselineMoments } from '../analysis/baseline-moments.js';
import { minimumDetectableEffects, programmePower, rejectionShare, simulatePlannedPanel } from '../analysis/power.js';
import { getProgramme, listProgrammes } from '../programmes/catalogue.js';
import type { PlannedCall } from '../schemas/catalogue.js';
import { estimateStaggeredDid } from '../stats/did/estimate.js';
import { normalQuantile } from '../stats/distributions.js';
import { SeededRandom } from '../stats/random.js';
import { ebpm } from './support/compiled-cli.js';

const programme = getProgramme('sme-labour-saving', listProgrammes());
// A smaller call than the catalogue's, so the check runs in seconds.
const plan: PlannedCall = {
  expectedApplicants: 500,
  awardShare: 0.4,
  rounds: 2,
  preAwardYears: 3,
  followUpYears: 2,
  outcomes: { labour_productivity: { sd: 100, yearToYearCorrelation: 0.8, provenance: 'test' }, average_wage: { sd: 30, yearToYearCorrelation: 0.8, provenance: 'test' } },
  provenance: 'test',
};

describe('the outcome spread and correlation measured on loaded data', () => {
  it('recovers the standard deviation and year-to-year correlation of a simulated AR(1) panel before its first award', () => {
    const wide = { ...plan, expectedApplicants: 4000, preAwardYears: 6 };
    const panel = simulatePlannedPanel(wide, { sd: 100, yearToYearCorrelation: 0.7 }, new SeededRandom(9));
    const moments = baselineMoments({ unitId: Array.from(panel.unitId, String), fiscalYear: panel.time, values: panel.outcome }, wide.preAwardYears + 1);
    expect(moments?.units).toBe(4000);
    expect([moments?.firstYear, moments?.lastYear]).toEqual([1, 6]);
    expect(moments?.sd).toBeGreaterThan(97);
    expect(moments?.sd).toBeLessThan(103);
    expect(moments?.yearToYearCorrelation).toBeGreaterThan(0.68);
    expect(moments?.yearToYearCorrelation).toBeLessThan(0.72);
    expect(baselineMoments({ unitId: ['a', 'b'], fiscalYear: [2020, 2021], values: [1, 2] }, 2021)).toBeNull();
  });

  it('takes the place of the catalogue assumption in the MDE: twice the spread, twice the MDE, and says where it came from', () => {
    const declared = programme.file.plannedCall!;
    const settings = { replications: 60, seed: 3 };
    const fromCatalogue = programmePower(programme, settings)!;
    const doubled = { labour_productivity: { sd: 2 * declared.outcomes.labour_productivity.sd, yearToYearCorrelation: declared.outcomes.labour_productivity.yearToYearCorrelation, units: 2400, firstYear: 2018, lastYear: 2020, runKey: 'f'.repeat(64) } };
    const fromData = programmePower(programme, settings, doubled)!;
    const mde = (analysis: typeof fromData, outcome: string) => analysis.outcomes.find((o) => o.outcome === outcome)!;
    expect(mde(fromData, 'labour_productivity').minimumDetectableEffect / mde(fromCatalogue, 'labour_productivity').minimumDetectableEffect).toBeCloseTo(2, 9);
    expect(mde(fromData, 'labour_productivity').varianceSource).toBe('loaded data: 2400 units, FY2018–FY2020 before the first award (run ffffffffffff)');
    expect(mde(fromData, 'average_wage').varianceSource).toBe(declared.outcomes.average_wage.provenance);
    expect(mde(fromData, 'average_wage').minimumDetectableEffect).toBe(mde(fromCatalogue, 'average_wage').minimumDetectableEffect);
  });
});

describe('the minimum detectable effect before the call', () => {
  it('claims no MDE for an outcome whose spec names a design the simulation does not cover', () => {
    const spec = { ...programme.studySpec, designs: { average_wage: { design: 'rd_review_score' as const, fuzzy: false, followUpYears: 2, kernel: 'triangular' as const, polynomialOrder: 1, bandwidthSelector: 'mserd' as const } } };
    const analysis = minimumDetectableEffects(programme.id, spec, plan, {}, { replications: 20, seed: 1 });
    expect(analysis.outcomes.map((o) => o.outcome)).toEqual(['labour_productivity']);
    expect(analysis.notSimulated).toEqual([{ outcome: 'average_wage', design: 'rd_review_score' }]);
  });

  it('has the power it claims: fresh simulations with the MDE as the true effect reject 75–85 % of the time', () => {
    const analysis = minimumDetectableEffects(programme.id, programme.studySpec, plan, {}, { replications: 400, seed: 1 });
    const { minimumDetectableEffect: mde } = analysis.outcomes.find((o) => o.outcome === 'labour_productivity')!;
    const spec = programme.studySpec;
    const z = normalQuantile(1 - (1 - spec.confidenceLevel) / 2);
    const random = new SeededRandom(2);
    let rejected = 0;
    const draws = 400;
    for (let r = 0; r < draws; r++) {
      const panel = simulatePlannedPanel(plan, plan.outcomes.labour_productivity, random, mde);
      const { att, se } = estimateStaggeredDid(panel, { control: spec.comparisonGroup === 'rejected_applicants' ? 'never' : 'notyet', method: spec.estimation.method, anticipation: spec.estimation.anticipation, basePeriod: spec.estimation.basePeriod }).report.aggregations.simple;
      if (se !== null && Math.abs(att) > z * se) rejected++;
    }
    const power = rejected / draws;
    console.log(`MDE ${mde.toFixed(3)} (median SE ${analysis.outcomes[0].medianStdError.toFixed(3)}); power at the MDE over ${draws} fresh replications: ${(power * 100).toFixed(1)} %`);
    expect(power).toBeGreaterThanOrEqual(0.75);
    expect(power).toBeLessThanOrEqual(0.85);
    // Under no effect the test keeps close to its 5 % size (analytic SEs in a finite sample run slightly over).
    expect(analysis.outcomes[0].sizeAtZero).toBeLessThan(0.11);
  });

  it('is about 2.8 standard errors, as the normal approximation says, and shrinks with more applicants', () => {
    const small = minimumDetectableEffects(programme.id, programme.studySpec, plan, {}, { replications: 100, seed: 3 }).outcomes[0];
    expect(small.minimumDetectableEffect / small.medianStdError).toBeGreaterThan(2.4);
    expect(small.minimumDetectableEffect / small.medianStdError).toBeLessThan(3.2);
    const large = minimumDetectableEffects(programme.id, programme.studySpec, { ...plan, expectedApplicants: 2000 }, {}, { replications: 100, seed: 3 }).outcomes[0];
    expect(large.minimumDetectableEffect).toBeLessThan(0.7 * small.minimumDetectableEffect);
    expect(rejectionShare([1, -1], [1, 1], 1.96, 0)).toBe(0);
  });

  it('ebpm programmes power prints the MDE beside each indicator target, and says what to declare when there is no plan', () => {
    const shown = ebpm('programmes', 'power', 'sme-labour-saving', '--replications', '60', '--json');
    expect(shown.status).toBe(0);
    const output = JSON.parse(shown.stdout);
    expect(output.outcomes.map((o: { outcome: string }) => o.outcome)).toEqual(programme.studySpec.outcomes);
    expect(output.targets.length).toBeGreaterThan(0);
    for (const target of output.targets) expect(target.detectable).toBe(target.hopedForChange >= target.minimumDetectableEffect);
    const missing = ebpm('programmes', 'power', 'biomanufacturing');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('declares no plannedCall in the catalogue');
  });
});
