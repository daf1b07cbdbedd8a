/**
 * How fast node starts on the machine a bench run runs on, timed at the run's start and kept with each result.
 * Machines of the project's kind differ by up to three times in it (`node -e 0` has taken 0.05 to 0.16 s), and one
 * machine drifts within the hour (0.110 to 0.151 s on 2026-12-07). A ratio to a floor travels between such machines
 * only in part: where a command's fixed cost (node's start, its modules, its threads) is large beside its floor, a
 * slower start raises the ratio (README, Performance). So the bench prints node's start at the top of every run and
 * says so beside a previous run's figure taken when node started at another speed (history.ts).
 */
import { cpus } from 'node:os';
import { median, timeCommand, type Measurement } from './timing.js';

/** Starts of `node -e 0` timed, here and by the cli-start benchmarks: about two seconds on a slow machine. */
export const NODE_START_RUNS = 15;

export interface MachineSpeed {
  /** The median wall time of `node -e 0`, in milliseconds. */
  readonly nodeStartMs: number;
  readonly runs: number;
  /** The processors node sees, and the model of the first. */
  readonly cores: number;
  readonly cpuModel: string;
}

/** One start of `node -e 0` (with this process's environment, GLIBC_TUNABLES included), whole process. */
export function timeNodeStart(): Promise<Measurement> {
  return timeCommand(process.execPath, ['-e', '0']);
}

/** Times `runs` starts of node (at least one) and names the processors. */
export async function measureMachineSpeed(runs: number = NODE_START_RUNS): Promise<MachineSpeed> {
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`node's start is timed at least once: ${runs} runs asked for`);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push((await timeNodeStart()).ms);
  const processors = cpus();
  return { nodeStartMs: median(times), runs, cores: processors.length, cpuModel: processors[0]?.model.trim() || 'model unknown' };
}

/** The run's header line: "this machine: node -e 0: 0.115 s (median of 15, at the run's start); 2 cores (…)". */
export function machineSpeedLine(speed: MachineSpeed): string {
  return `this machine: node -e 0: ${(speed.nodeStartMs / 1000).toFixed(3)} s (median of ${speed.runs}, at the run's start); ${speed.cores} cores (${speed.cpuModel})`;
}
