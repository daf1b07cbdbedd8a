import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface Measurement {
  readonly ms: number;
  /** Peak resident memory of a child process, when the measurement ran one. */
  readonly peakRssMb?: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function timeMs(work: () => unknown): Promise<Measurement> {
  const started = performance.now();
  await work();
  return { ms: performance.now() - started };
}

export class BenchmarkCommandError extends Error {
  constructor(command: string, code: number | null, stderr: string) {
    super(`${command} exited with ${code}: ${stderr.slice(-2000)}`);
    this.name = 'BenchmarkCommandError';
  }
}

/** Wall time of any command (stdout discarded). */
export async function timeCommand(command: string, args: readonly string[]): Promise<Measurement> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new BenchmarkCommandError(`${command} ${args.join(' ')}`, code, stderr);
  return { ms: performance.now() - started };
}

/** Wall time and peak memory of a Node.js child process (stdout discarded). */
export async function timeNodeProcess(script: string, args: readonly string[], peakMemoryModule: string, env: Readonly<Record<string, string>> = {}): Promise<Measurement> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', peakMemoryModule, script, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const ms = performance.now() - started;
  if (code !== 0) throw new BenchmarkCommandError(`${script} ${args.join(' ')}`, code, stderr);
  const peak = /peak-rss-kb (\d+)/.exec(stderr);
  return { ms, ...(peak ? { peakRssMb: Number(peak[1]) / 1024 } : {}) };
}

/** How a target is worded in issue 30: times and memory under a limit, ratios at most, a speedup at least. */
export type TargetComparison = '<' | '≤' | '≥';

/** "target ≤ 2: met" (or "NOT met"): one wording for every figure the bench judges against a target. */
export function targetVerdict(measured: number, comparison: TargetComparison, target: number, unit = ''): string {
  const met = comparison === '<' ? measured < target : comparison === '≤' ? measured <= target : measured >= target;
  return `target ${comparison} ${target}${unit ? ` ${unit}` : ''}: ${met ? 'met' : 'NOT met'}`;
}

/**
 * A ratio to two decimals, or as many more (up to six) as it takes not to round it onto its target and hide which
 * side of it it is (19.9996 against 20 shows as 19.9996, not 20.00).
 */
export function ratioText(ratio: number, target: number | undefined): string {
  let decimals = 2;
  while (target !== undefined && ratio !== target && decimals < 6 && Number(ratio.toFixed(decimals)) === target) decimals++;
  return ratio.toFixed(decimals);
}
