/**
 * R did, the reference issue 30 names for `ebpm estimate` ("at least 20 times faster than R did where R is
 * installed"): whether Rscript and the did package are here, the time of bench/r/did-estimate.R as a whole process,
 * and the estimate it printed, so the bench can check that both computed the same thing before it compares times.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../config/project-root.js';

/** The R script that runs did's counterpart of `ebpm estimate --json` on a bench panel. */
export const R_DID_SCRIPT = join(projectRoot(), 'bench', 'r', 'did-estimate.R');

/** The Rscript the bench runs: EBPM_BENCH_RSCRIPT where set (an R outside PATH), else `Rscript` from PATH. */
export function rscriptCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.EBPM_BENCH_RSCRIPT || 'Rscript';
}

export type RDidAvailability = { readonly available: true; readonly version: string } | { readonly available: false; readonly reason: string };

/** What one run of the R script printed: did's version and its simple aggregation. */
export interface RDidSummary {
  readonly version: string;
  readonly simpleAtt: number;
  readonly simpleSe: number;
}

export interface RDidRun extends RDidSummary {
  readonly ms: number;
}

/** The simple aggregation both programs print: the overall ATT and its standard error. */
export interface SimpleEstimate {
  readonly att: number;
  readonly se: number;
}

/** Whether the reference estimated what the subject did, with both estimates. */
export interface Agreement {
  readonly ours: SimpleEstimate;
  readonly theirs: SimpleEstimate;
  readonly same: boolean;
}

/** The reference program's runs and whether it estimated what the subject did, or why it was not timed. */
export type ReferenceOutcome =
  | { readonly measured: true; readonly runs: readonly RDidRun[]; readonly agreement: Agreement }
  | { readonly measured: false; readonly reason: string };

/** The R script failed, or did not print its one line: the run cannot be compared with ebpm's. */
export class RDidOutputError extends Error {
  constructor(
    readonly output: string,
    readonly failure?: string,
  ) {
    super(
      `bench/r/did-estimate.R ${failure === undefined ? `printed ${JSON.stringify(output.slice(-500))}, not "did VERSION simple ATT SE"` : `failed: ${failure}`}; ` +
        'run it by hand (Rscript bench/r/did-estimate.R PANEL.csv) to see all that R said',
    );
    this.name = 'RDidOutputError';
  }
}

const R_TIMEOUT_MS = 10 * 60 * 1000;

interface ProcessResult {
  readonly code: number | null;
  /** The signal that ended the program, where one did. */
  readonly signal: NodeJS.Signals | null;
  /** True when the bench stopped the program after R_TIMEOUT_MS. */
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** Set when the program could not be started at all (for example ENOENT: not installed). */
  readonly startError?: NodeJS.ErrnoException;
}

/**
 * The environment R runs in: R's messages in English, since `rErrorLine` reads them (under LANGUAGE=de R ends with
 * "Ausführung angehalten"), and a time zone, without which R asks timedatectl at start (a process more, and a
 * warning where there is no systemd).
 */
export function rEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, LANGUAGE: 'en', TZ: env.TZ ?? 'UTC' };
}

/** Why a program that started did not succeed: stopped by the bench, ended by a signal, or R's own error. */
function failureOf(result: ProcessResult): string {
  if (result.timedOut) return 'stopped by the bench after ten minutes';
  if (result.signal !== null) return `ended by ${result.signal}`;
  return rErrorLine(result.stderr) || `exit ${result.code}`;
}

function runProcess(command: string, args: readonly string[]): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: rEnvironment(process.env) });
    // A hung R is stopped after ten minutes (R did takes about six seconds on the 100,000-unit panel) and reported.
    // Not spawn's own `timeout`: its timer outlives a program that never started and kept the bench from exiting.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, R_TIMEOUT_MS);
    let stdout = '';
    let stderr = '';
    let startError: NodeJS.ErrnoException | undefined;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => (startError = error));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr, ms: performance.now() - started, ...(startError ? { startError } : {}) });
    });
  });
}

/**
 * Whether `rscript` runs and loads did (with every package did imports: reading its version alone would not load
 * them); where it does not, the reason in words, with what to do.
 */
export async function rDidAvailability(rscript: string): Promise<RDidAvailability> {
  const result = await runProcess(rscript, ['-e', 'suppressPackageStartupMessages(library(did)); cat(as.character(packageVersion("did")))']);
  if (result.startError) {
    return {
      available: false,
      reason: `${rscript} could not be run (${result.startError.code ?? result.startError.message}): install R and its did package, or set EBPM_BENCH_RSCRIPT to Rscript's path`,
    };
  }
  const version = result.stdout.trim();
  if (result.code !== 0 || !/^\d+(\.\d+)+$/.test(version)) {
    return { available: false, reason: `${rscript} ran but could not load the did package (${failureOf(result)}): install it in R with install.packages("did")` };
  }
  return { available: true, version };
}

/**
 * What R's error output says went wrong: its first error message with the indented lines that continue it (R
 * writes "… load failed for 'did' in loadNamespace(…):" and the missing package on the next line), not the
 * "Execution halted" that follows every error.
 */
export function rErrorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '' && line.trim() !== 'Execution halted');
  const first = lines.findIndex((line) => /error/i.test(line));
  if (first < 0) return lines.at(-1)?.trim() ?? '';
  let last = first;
  while (last + 1 < lines.length && /^\s/.test(lines[last + 1])) last++;
  return lines
    .slice(first, last + 1)
    .map((line) => line.trim())
    .join(' ');
}

/** Reads the script's one line, "did VERSION simple ATT SE". */
export function parseRDidSummary(output: string): RDidSummary {
  const match = /^did (\S+) simple (\S+) (\S+)\s*$/m.exec(output);
  const simpleAtt = Number(match?.[2]);
  const simpleSe = Number(match?.[3]);
  if (!match || !Number.isFinite(simpleAtt) || !Number.isFinite(simpleSe)) throw new RDidOutputError(output);
  return { version: match[1], simpleAtt, simpleSe };
}

/** Wall time of the R script on `panelPath`, as a whole process (R's start and loading did included, as ebpm's is). */
export async function timeRDid(rscript: string, panelPath: string): Promise<RDidRun> {
  const result = await runProcess(rscript, [R_DID_SCRIPT, panelPath]);
  if (result.startError || result.code !== 0) {
    throw new RDidOutputError(`${result.stdout}${result.stderr}`, result.startError ? result.startError.message : failureOf(result));
  }
  return { ...parseRDidSummary(result.stdout), ms: result.ms };
}

/**
 * Whether two numbers agree to `relativeTolerance` of the larger (the test suite holds ebpm's estimates to 1e-6 of
 * did's own output).
 */
export function sameNumber(ours: number, theirs: number, relativeTolerance = 1e-6): boolean {
  return Math.abs(ours - theirs) <= relativeTolerance * Math.max(Math.abs(ours), Math.abs(theirs), 1e-12);
}

/**
 * Whether R did estimated what ebpm did: the simple ATT and its standard error. The times compare like with like only
 * then; the standard error differs, for example, where R bootstraps and ebpm does not.
 */
export function agreementOf(ours: SimpleEstimate, theirs: RDidSummary): Agreement {
  const theirEstimate = { att: theirs.simpleAtt, se: theirs.simpleSe };
  return { ours, theirs: theirEstimate, same: sameNumber(ours.att, theirEstimate.att) && sameNumber(ours.se, theirEstimate.se) };
}
