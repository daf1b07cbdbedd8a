import { describe, expect, it } from 'vitest';
import { parseRDidSummary, rDidAvailability, RDidOutputError, sameEstimate, timeRDid, type ReferenceOutcome } from '../bench/r-did-reference.js';
import { ratioVerdictBesideReference, referenceLines } from '../bench/reference-report.js';

const LABEL = 'R did (whole process)';
const TARGET = { ratio: 2, speedup: 20 };

function measured(seconds: readonly number[], theirs: number, ours: number): ReferenceOutcome {
  return {
    measured: true,
    runs: seconds.map((s) => ({ ms: s * 1000, version: '2.5.1', simpleAtt: theirs, simpleSe: 0.0066 })),
    agreement: { ours, theirs, same: sameEstimate(ours, theirs) },
  };
}

describe('R did beside estimate-100k, where R is installed', () => {
  it('says R did is not here, with what to do, when Rscript cannot be run', async () => {
    const availability = await rDidAvailability('/nonexistent/bin/Rscript');
    expect(availability.available).toBe(false);
    if (availability.available) return;
    expect(availability.reason).toContain('/nonexistent/bin/Rscript could not be run (ENOENT)');
    expect(availability.reason).toContain('EBPM_BENCH_RSCRIPT');
  });

  it('says did is not loaded when the program runs but prints no version', async () => {
    const availability = await rDidAvailability('false');
    expect(availability).toEqual({ available: false, reason: 'false ran but did not load the did package (exit 1): install it in R with install.packages("did")' });
  });

  it('refuses to time a reference that cannot run, naming what it printed', async () => {
    await expect(timeRDid('/nonexistent/bin/Rscript', 'panel.csv')).rejects.toBeInstanceOf(RDidOutputError);
  });

  it("reads the script's summary line among R's other output", () => {
    expect(parseRDidSummary('Warning message:\nsomething\ndid 2.5.1 simple 1.59175910915894 0.00657230365760681\n')).toEqual({
      version: '2.5.1',
      simpleAtt: 1.59175910915894,
      simpleSe: 0.00657230365760681,
    });
  });

  it('refuses output without the summary line, keeping what was printed', () => {
    expect(() => parseRDidSummary('Error in library(did) : there is no package called ‘did’')).toThrow(/there is no package called/);
    expect(() => parseRDidSummary('did 2.5.1 simple NA NA')).toThrow(RDidOutputError);
  });

  it('counts two estimates as the same to a millionth of their size, and no further', () => {
    expect(sameEstimate(1.5917591, 1.5917591 * (1 + 5e-7))).toBe(true);
    expect(sameEstimate(1.5917591, 1.5917591 * (1 + 5e-6))).toBe(false);
    expect(sameEstimate(0, 0)).toBe(true);
  });

  it('judges the speedup over R did against 20 and sets the ratio to the floor aside', () => {
    // R did's median of 6.4, 6.0 and 6.2 s against ebpm's 0.31 s: exactly 20×.
    expect(referenceLines(LABEL, TARGET, 310, measured([6.4, 6.0, 6.2], 1.59175910915894, 1.59175910915894))).toBe(
      `  reference ${LABEL}, did 2.5.1: 6.200 s (median of 3); the same simple ATT as ebpm's (1.591759109)\n  speedup 20.00× (reference ÷ subject) (target ≥ 20: met)`,
    );
    expect(referenceLines(LABEL, TARGET, 311, measured([6.2], 1.59175910915894, 1.59175910915894))).toContain('speedup 19.94× (reference ÷ subject) (target ≥ 20: NOT met)');
    expect(ratioVerdictBesideReference(TARGET)).toBe(' (its target, ≤ 2, applies only where the reference is not installed)');
  });

  it('does not compare the times of two different estimates', () => {
    const lines = referenceLines(LABEL, TARGET, 300, measured([6.2], 1.6, 1.59175910915894));
    expect(lines).toContain("a DIFFERENT simple ATT (1.600000000 against ebpm's 1.591759109), so the times are not compared");
    expect(lines).toContain('speedup not judged');
    expect(lines).not.toContain('target ≥ 20');
  });

  it('falls back to the ratio target where R did is not installed, and says why', () => {
    expect(referenceLines(LABEL, TARGET, 300, { measured: false, reason: 'Rscript could not be run (ENOENT)' })).toBe(
      `  reference ${LABEL}: not run, Rscript could not be run (ENOENT); the ratio's target (≤ 2) applies instead`,
    );
  });
});
