import { describe, expect, it } from 'vitest';
import { agreementOf, parseRDidSummary, rDidAvailability, RDidOutputError, rEnvironment, rErrorLine, sameNumber, timeRDid, type ReferenceOutcome } from '../bench/r-did-reference.js';
import { ratioVerdict, referenceLines } from '../bench/reference-report.js';

const LABEL = 'R did (whole process)';
const TARGET = { ratio: 2, speedup: 20 };
const EBPM = { att: 1.5917591091589367, se: 0.006572303657606813 };

function measured(seconds: readonly number[], theirs: { att: number; se: number }): ReferenceOutcome {
  const runs = seconds.map((s) => ({ ms: s * 1000, version: '2.5.1', simpleAtt: theirs.att, simpleSe: theirs.se }));
  return { measured: true, runs, agreement: agreementOf(EBPM, runs[0]) };
}

describe('R did beside estimate-100k, where R is installed', () => {
  it('says R did is not here, with what to do, when Rscript cannot be run', async () => {
    const availability = await rDidAvailability('/nonexistent/bin/Rscript');
    expect(availability.available).toBe(false);
    if (availability.available) return;
    expect(availability.reason).toContain('/nonexistent/bin/Rscript could not be run (ENOENT)');
    expect(availability.reason).toContain('EBPM_BENCH_RSCRIPT');
  });

  it('leaves no timer behind when Rscript cannot be started, so the bench can exit', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const before = timers();
    await rDidAvailability('/nonexistent/bin/Rscript');
    expect(timers()).toBe(before);
  });

  it('says did could not be loaded when the program runs but prints no version', async () => {
    const availability = await rDidAvailability('false');
    expect(availability).toEqual({ available: false, reason: 'false ran but could not load the did package (exit 1): install it in R with install.packages("did")' });
  });

  it("runs R with English messages, which rErrorLine reads, and a time zone, keeping one already set", () => {
    expect(rEnvironment({ LANGUAGE: 'ja', PATH: '/usr/bin' })).toEqual({ LANGUAGE: 'en', TZ: 'UTC', PATH: '/usr/bin' });
    expect(rEnvironment({ TZ: 'Asia/Tokyo' })).toEqual({ LANGUAGE: 'en', TZ: 'Asia/Tokyo' });
  });

  it("quotes R's error message, not the 'Execution halted' after it", () => {
    expect(rErrorLine('Error in library(did) : there is no package called ‘did’\nExecution halted\n')).toBe('Error in library(did) : there is no package called ‘did’');
    expect(rErrorLine('Execution halted\n')).toBe('');
    // A dependency of did missing: the package's name is on the indented line after the error.
    expect(rErrorLine("Error: package or namespace load failed for ‘did’ in loadNamespace(j <- i[[1L]]):\n there is no package called ‘bigmemory’\nExecution halted\n")).toBe(
      'Error: package or namespace load failed for ‘did’ in loadNamespace(j <- i[[1L]]): there is no package called ‘bigmemory’',
    );
  });

  it('refuses to time a reference that cannot run, saying why', async () => {
    const failure = await timeRDid('/nonexistent/bin/Rscript', 'panel.csv').then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RDidOutputError);
    expect((failure as RDidOutputError).message).toMatch(/^bench\/r\/did-estimate\.R failed: spawn \/nonexistent\/bin\/Rscript ENOENT; run it by hand/);
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

  it('counts two numbers as the same to a millionth of their size, and no further', () => {
    expect(sameNumber(1.5917591, 1.5917591 * (1 + 5e-7))).toBe(true);
    expect(sameNumber(1.5917591, 1.5917591 * (1 + 5e-6))).toBe(false);
    expect(sameNumber(0, 0)).toBe(true);
  });

  it('takes R did for the same estimate only when both the ATT and its standard error agree', () => {
    const summary = (att: number, se: number) => ({ version: '2.5.1', simpleAtt: att, simpleSe: se });
    expect(agreementOf(EBPM, summary(1.59175910915894, 0.0065723036576068)).same).toBe(true);
    // The same ATT with a bootstrap standard error: R would have done other work than ebpm.
    expect(agreementOf(EBPM, summary(1.59175910915894, 0.0066)).same).toBe(false);
    expect(agreementOf(EBPM, summary(1.6, 0.0065723036576068)).same).toBe(false);
  });

  it('judges the speedup over R did against 20 and sets the ratio to the floor aside', () => {
    // R did's median of 6.4, 6.0 and 6.2 s against ebpm's 0.31 s: exactly 20×.
    expect(referenceLines(LABEL, TARGET, 310, measured([6.4, 6.0, 6.2], { att: 1.59175910915894, se: 0.0065723036576068 }))).toBe(
      `  reference ${LABEL}, did 2.5.1: 6.200 s (median of 3); the same simple ATT and SE as ebpm's (1.591759109, SE 0.006572303658)\n` +
        '  speedup 20.00× (reference ÷ subject) (target ≥ 20: met)',
    );
    expect(referenceLines(LABEL, TARGET, 311, measured([6.2], EBPM))).toContain('speedup 19.94× (reference ÷ subject) (target ≥ 20: NOT met)');
    expect(ratioVerdict(2.4, TARGET, measured([6.2], EBPM))).toBe(' (its target, ≤ 2, applies only where the reference was not timed)');
  });

  it('judges the ratio to the floor as before where R did was not timed', () => {
    const notTimed: ReferenceOutcome = { measured: false, reason: 'Rscript could not be run (ENOENT)' };
    expect(ratioVerdict(2.4, TARGET, notTimed)).toBe(' (target ≤ 2: NOT met)');
    expect(ratioVerdict(2, TARGET, undefined)).toBe(' (target ≤ 2: met)');
    expect(ratioVerdict(2.4, { speedup: 20 }, notTimed)).toBe('');
  });

  it('does not compare the times of two different estimates', () => {
    const lines = referenceLines(LABEL, TARGET, 300, measured([6.2], { att: 1.6, se: 0.0065723036576068 }));
    expect(lines).toContain("a DIFFERENT simple ATT or SE (1.600000000, SE 0.006572303658, against ebpm's 1.591759109, SE 0.006572303658), so the times are not compared");
    expect(lines).toContain('speedup not judged');
    expect(lines).not.toContain('target ≥ 20');
  });

  it('falls back to the ratio target where R did is not installed, and says why', () => {
    expect(referenceLines(LABEL, TARGET, 300, { measured: false, reason: 'Rscript could not be run (ENOENT)' })).toBe(
      `  reference ${LABEL}: not timed: Rscript could not be run (ENOENT); the ratio's target (≤ 2) applies instead`,
    );
  });
});
