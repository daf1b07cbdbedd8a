/**
 * How fast the machine a bench run ran on is, printed at the run's start and kept with each result. Machines of the
 * project's kind differ by up to twice in speed (`node -e 0` has taken 0.05 to 0.16 s), and a ratio to a floor travels
 * between them only in part: where a command's fixed cost (node's start, its modules, its threads) is large beside its
 * floor, a slower machine raises the ratio (README, Performance). Each closing note measured it by hand; the bench
 * now says it with every figure, and says so beside a previous run's figure taken on a machine of another speed.
 */
import { cpus } from 'node:os';
import { median, timeCommand } from './timing.js';

/** Starts of `node -e 0` timed: as many as the cli-start benchmarks time, about two seconds on a slow machine. */
export const NODE_START_RUNS = 15;

/** How much faster or slower a previous run's machine must have been (by node's start) to be pointed out. */
export const OTHER_SPEED_FACTOR = 1.25;

export interface MachineSpeed {
  /** The median wall time of `node -e 0`, in milliseconds. */
  readonly nodeStartMs: number;
  readonly runs: number;
  /** The processors node sees, and the model of the first. */
  readonly cores: number;
  readonly cpuModel: string;
}

/** Times `node -e 0` (with this process's environment, GLIBC_TUNABLES included) NODE_START_RUNS times. */
export async function measureMachineSpeed(runs: number = NODE_START_RUNS): Promise<MachineSpeed> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push((await timeCommand(process.execPath, ['-e', '0'])).ms);
  const processors = cpus();
  return { nodeStartMs: median(times), runs, cores: processors.length, cpuModel: processors[0]?.model.trim() ?? 'unknown' };
}

/** The run's header line: "this machine: node -e 0 0.115 s (median of 15); 2 cores (…)". */
export function machineSpeedLine(speed: MachineSpeed): string {
  return `this machine: node -e 0 ${(speed.nodeStartMs / 1000).toFixed(3)} s (median of ${speed.runs}); ${speed.cores} cores (${speed.cpuModel})`;
}

/**
 * Said beside a previous run's figure when that run's machine started node at another speed (by OTHER_SPEED_FACTOR or
 * more either way): ", on a slower machine: node -e 0 0.115 s". Empty when the speeds are alike, or when the previous
 * run did not record its machine's (runs before this was kept).
 */
export function otherMachineNote(previousNodeStartMs: number | undefined, currentNodeStartMs: number): string {
  if (previousNodeStartMs === undefined || !(previousNodeStartMs > 0) || !(currentNodeStartMs > 0)) return '';
  const factor = previousNodeStartMs / currentNodeStartMs;
  if (factor < OTHER_SPEED_FACTOR && factor > 1 / OTHER_SPEED_FACTOR) return '';
  return `, on a ${factor > 1 ? 'slower' : 'faster'} machine: node -e 0 ${(previousNodeStartMs / 1000).toFixed(3)} s`;
}
