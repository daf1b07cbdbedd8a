/**
 * What a soak found, as checks: each passes or fails with the figures that decide it. Pure functions over
 * what the driver recorded; the driver prints them and exits 1 when any fails.
 */

export interface WorkflowRun {
  readonly workflowId: string;
  readonly type: string;
  /** COMPLETED, FAILED, RUNNING, TERMINATED, TIMED_OUT, CANCELLED, … */
  readonly status: string;
  /** For a failed run: the type and message of its root cause, and whether it is a data reason. */
  readonly failure?: { readonly type: string; readonly message: string; readonly dataReason: boolean };
}

export interface CommandRun {
  readonly kind: string;
  readonly code: number | null;
  readonly signal: string | null;
  /** Its last line on stderr when it failed. */
  readonly reason: string | null;
}

export interface FileAccount {
  readonly programmeId: string;
  readonly kind: string;
  readonly path: string;
  /** Data records counted in the file by the driver; null for a loaded file the driver did not write. */
  readonly records: number | null;
  readonly rowsTotal: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  /** Rows of raw.rejected_rows for the file. */
  readonly quarantinedRows: number;
}

export interface RssSample {
  readonly at: number;
  readonly megabytes: number;
}

export interface ConnectionSample {
  readonly at: number;
  readonly connections: number;
  /** The configured pools that may be open then: both workers', the driver's, and those of the commands running. */
  readonly limit: number;
}

export interface SoakObservations {
  readonly minutes: number;
  readonly startedAt: number;
  /** When the first all-programme run had finished: the workers' warm-up ends there. */
  readonly warmedAt: number;
  readonly endedAt: number;
  readonly workflows: readonly WorkflowRun[];
  readonly commands: readonly CommandRun[];
  readonly files: readonly FileAccount[];
  readonly rss: ReadonlyMap<string, readonly RssSample[]>;
  readonly connections: readonly ConnectionSample[];
  readonly poolSize: number;
  readonly driverConnections: number;
  readonly leftBehind: readonly { pid: number; command: string }[];
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface MemoryWindow {
  readonly worker: string;
  readonly firstMb: number | null;
  readonly lastMb: number | null;
  readonly changePercent: number | null;
  readonly firstSamples: number;
  readonly lastSamples: number;
}

export interface SoakReport {
  readonly minutes: number;
  readonly windowRule: string;
  readonly runs: { readonly byKindAndStatus: Record<string, Record<string, number>>; readonly failures: readonly WorkflowRun[] };
  readonly commands: { readonly byKindAndStatus: Record<string, Record<string, number>>; readonly failures: readonly CommandRun[] };
  readonly files: readonly FileAccount[];
  readonly memory: readonly MemoryWindow[];
  readonly connections: { readonly samples: number; readonly max: number; readonly limitAtMax: number; readonly steadyLimit: number; readonly overLimit: number };
  readonly leftBehind: readonly { pid: number; command: string }[];
  readonly checks: readonly Check[];
  readonly ok: boolean;
}

/** How far a worker's resident memory may drift between the first and the last window. */
export const RSS_TOLERANCE = 0.2;

function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The memory windows, counted from the end of the workers' warm-up (the first all-programme run) to the end of
 * the soak, and the rule applied to them. A soak of 20 minutes or more compares its first and last five minutes
 * and holds the last within ±20 % of the first, as the soak is specified. A shorter one compares its first and
 * last half (a quarter of a 2-minute soak is under 30 s, and whether a study happened to run in so short a window
 * moved an unchanged worker's median by 20 %), and fails only on growth past +20 %: in windows of under a minute
 * a drop is V8 handing back the heap a study used just after warm-up (seen: 395 → 304 MB in CI, with every
 * count exact), while a leak shows as growth at any length.
 */
export function memoryWindow(minutes: number, warmedAt: number, endedAt: number): { ms: number; rule: string; lowestChangePercent: number; highestChangePercent: number } {
  const highestChangePercent = RSS_TOLERANCE * 100;
  if (minutes >= 20) {
    return {
      ms: 5 * 60_000,
      rule: 'median RSS in the first vs the last 5 minutes after warm-up (the first all-programme run)',
      lowestChangePercent: -highestChangePercent,
      highestChangePercent,
    };
  }
  const ms = Math.max(0, endedAt - warmedAt) / 2;
  return {
    ms,
    rule: `median RSS in the first vs the last half after warm-up (the first all-programme run; ${(ms / 1000).toFixed(0)} s each), as the soak is shorter than 20 minutes`,
    lowestChangePercent: Number.NEGATIVE_INFINITY,
    highestChangePercent,
  };
}

/** The allowed change in words: "±20 %" for a full soak, "growth up to +20 %" for a shorter one. */
function allowedChange(lowest: number, highest: number): string {
  return lowest === -highest ? `±${highest} %` : `growth up to +${highest} % (a drop is no leak; the ±${highest} % rule needs a soak of 20 minutes or more)`;
}

function tally<T>(items: readonly T[], key: (item: T) => [string, string]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const item of items) {
    const [kind, status] = key(item);
    counts[kind] ??= {};
    counts[kind][status] = (counts[kind][status] ?? 0) + 1;
  }
  return counts;
}

export function buildReport(seen: SoakObservations): SoakReport {
  const { ms, rule, lowestChangePercent, highestChangePercent } = memoryWindow(seen.minutes, seen.warmedAt, seen.endedAt);
  const checks: Check[] = [];

  const unfinished = seen.workflows.filter((run) => run.status !== 'COMPLETED' && run.status !== 'FAILED');
  const unexplained = seen.workflows.filter((run) => run.status === 'FAILED' && !run.failure?.dataReason);
  const scheduled = seen.workflows.filter((run) => run.type === 'evaluateAllProgrammes').length;
  const adhoc = seen.workflows.filter((run) => run.type === 'exploratoryStudy').length;
  checks.push({
    name: 'runs',
    ok: unfinished.length === 0 && unexplained.length === 0 && scheduled > 0 && adhoc > 0,
    detail:
      `${seen.workflows.length} workflow runs (${scheduled} all-programme, ${adhoc} ad-hoc); ` +
      `${unfinished.length} neither succeeded nor failed${unfinished.length ? ` (${unfinished.map((run) => `${run.workflowId}: ${run.status}`).join(', ')})` : ''}; ` +
      `${unexplained.length} failed without a stated data reason${unexplained.length ? ` (${unexplained.map((run) => `${run.workflowId}: ${run.failure?.type ?? '?'}: ${run.failure?.message ?? ''}`).join('; ')})` : ''}`,
  });

  const badCommands = seen.commands.filter((command) => command.code !== 0 && command.code !== 2);
  const kinds = new Set(seen.commands.map((command) => command.kind));
  checks.push({
    name: 'commands',
    ok: badCommands.length === 0 && kinds.has('ingest --replaces') && kinds.has('consent withdraw'),
    detail:
      `${seen.commands.length} commands (${[...kinds].join(', ')}); ${badCommands.length} ended otherwise than 0 (done) or 2 (input refused, with its reason)` +
      (badCommands.length ? `: ${badCommands.map((command) => `${command.kind} exit ${command.code ?? command.signal}: ${command.reason ?? ''}`).join('; ')}` : ''),
  });

  const wrongAccounts = seen.files.filter(
    (file) => file.rowsTotal !== file.rowsLoaded + file.rowsRejected || file.quarantinedRows !== file.rowsRejected || (file.records !== null && file.records !== file.rowsTotal),
  );
  const unmatched = seen.files.filter((file) => file.records === null);
  checks.push({
    name: 'row accounts',
    ok: wrongAccounts.length === 0 && unmatched.length === 0 && seen.files.length > 0,
    detail:
      `${seen.files.length} files loaded; records = loaded + quarantined (and quarantined = rows kept in raw.rejected_rows) for ${seen.files.length - wrongAccounts.length}` +
      (wrongAccounts.length ? `; not for ${wrongAccounts.map((file) => `${file.path}: ${file.records ?? '?'} records, ${file.rowsTotal} = ${file.rowsLoaded} + ${file.rowsRejected}, ${file.quarantinedRows} quarantined rows`).join('; ')}` : '') +
      (unmatched.length ? `; ${unmatched.length} loaded file(s) the soak did not write` : ''),
  });

  const memory: MemoryWindow[] = [...seen.rss].map(([worker, samples]) => {
    const first = samples.filter((sample) => sample.at >= seen.warmedAt && sample.at < seen.warmedAt + ms).map((sample) => sample.megabytes);
    const last = samples.filter((sample) => sample.at > seen.endedAt - ms && sample.at <= seen.endedAt).map((sample) => sample.megabytes);
    const firstMb = median(first);
    const lastMb = median(last);
    return { worker, firstMb, lastMb, changePercent: firstMb && lastMb !== null ? ((lastMb - firstMb) / firstMb) * 100 : null, firstSamples: first.length, lastSamples: last.length };
  });
  const drifting = memory.filter(
    (window) => window.changePercent === null || window.changePercent > highestChangePercent || window.changePercent < lowestChangePercent,
  );
  checks.push({
    name: 'worker memory',
    ok: drifting.length === 0 && memory.length === 2,
    detail: `${rule}: ${memory.map((window) => `${window.worker} ${window.firstMb?.toFixed(0) ?? '?'} → ${window.lastMb?.toFixed(0) ?? '?'} MB (${window.changePercent === null ? 'no samples' : `${window.changePercent >= 0 ? '+' : ''}${window.changePercent.toFixed(1)} %`})`).join(', ')}; allowed ${allowedChange(lowestChangePercent, highestChangePercent)}`,
  });

  const steadyLimit = 2 * seen.poolSize + seen.driverConnections;
  const over = seen.connections.filter((sample) => sample.connections > sample.limit);
  const peak = seen.connections.reduce<ConnectionSample | null>((best, sample) => (best === null || sample.connections > best.connections ? sample : best), null);
  checks.push({
    name: 'database connections',
    ok: over.length === 0 && seen.connections.length > 0,
    detail:
      `${seen.connections.length} samples of pg_stat_activity; at most ${peak?.connections ?? 0} connections (limit then ${peak?.limit ?? steadyLimit}: ` +
      `2 workers × pool ${seen.poolSize} + the soak's own ${seen.driverConnections} + pool ${seen.poolSize} for each ebpm command running)` +
      (over.length ? `; over the limit in ${over.length} samples, e.g. ${over[0].connections} > ${over[0].limit}` : ''),
  });

  checks.push({
    name: 'no process left behind',
    ok: seen.leftBehind.length === 0,
    detail: seen.leftBehind.length ? `still running: ${seen.leftBehind.map((process) => `${process.pid} ${process.command}`).join('; ')}` : 'every process the soak started has ended',
  });

  return {
    minutes: seen.minutes,
    windowRule: rule,
    runs: { byKindAndStatus: tally(seen.workflows, (run) => [run.type, run.status]), failures: seen.workflows.filter((run) => run.status === 'FAILED') },
    commands: {
      byKindAndStatus: tally(seen.commands, (command) => [command.kind, command.code === 0 ? 'succeeded' : `exit ${command.code ?? command.signal}`]),
      failures: seen.commands.filter((command) => command.code !== 0),
    },
    files: seen.files,
    memory,
    connections: { samples: seen.connections.length, max: peak?.connections ?? 0, limitAtMax: peak?.limit ?? steadyLimit, steadyLimit, overLimit: over.length },
    leftBehind: seen.leftBehind,
    checks,
    ok: checks.every((check) => check.ok),
  };
}

export function formatReport(report: SoakReport): string {
  const lines = [`ebpm soak: ${report.minutes} minute(s)`, '', 'Workflow runs (kind: status × count)'];
  for (const [kind, statuses] of Object.entries(report.runs.byKindAndStatus)) lines.push(`  ${kind}: ${Object.entries(statuses).map(([status, count]) => `${status} ${count}`).join(', ')}`);
  for (const run of report.runs.failures) lines.push(`    failed ${run.workflowId}: ${run.failure?.type ?? '?'}: ${run.failure?.message ?? ''}${run.failure?.dataReason ? ' (data reason)' : ''}`);
  lines.push('Commands');
  for (const [kind, statuses] of Object.entries(report.commands.byKindAndStatus)) lines.push(`  ${kind}: ${Object.entries(statuses).map(([status, count]) => `${status} ${count}`).join(', ')}`);
  for (const command of report.commands.failures) lines.push(`    ${command.kind} exit ${command.code ?? command.signal}: ${command.reason ?? ''}`);
  lines.push(`Row accounts (${report.files.length} files loaded)`);
  for (const file of report.files) {
    lines.push(`  ${file.programmeId} ${file.kind} ${file.path}: records ${file.records ?? '?'} = loaded ${file.rowsLoaded} + quarantined ${file.rowsRejected} (${file.quarantinedRows} in raw.rejected_rows)`);
  }
  lines.push(`Worker memory, ${report.windowRule}`);
  for (const window of report.memory) {
    lines.push(`  ${window.worker}: ${window.firstMb?.toFixed(1) ?? '?'} MB (${window.firstSamples} samples) → ${window.lastMb?.toFixed(1) ?? '?'} MB (${window.lastSamples} samples)${window.changePercent === null ? '' : `, ${window.changePercent >= 0 ? '+' : ''}${window.changePercent.toFixed(1)} %`}`);
  }
  lines.push(`Database connections: max ${report.connections.max} (limit then ${report.connections.limitAtMax}; with no command running ${report.connections.steadyLimit}) over ${report.connections.samples} samples`);
  lines.push(`Processes left behind: ${report.leftBehind.length}`);
  lines.push('', 'Checks');
  for (const check of report.checks) lines.push(`  ${check.ok ? 'PASS' : 'FAIL'} ${check.name}: ${check.detail}`);
  lines.push('', report.ok ? 'Soak passed.' : `Soak FAILED: ${report.checks.filter((check) => !check.ok).map((check) => check.name).join(', ')}.`);
  return lines.join('\n');
}
