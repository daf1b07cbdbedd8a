/**
 * `npm run bench`: each benchmark times its subject and a baseline in the same run on the same data and
 * prints the ratio, so figures compare across machines; absolute targets are printed where the project has
 * them. Results are appended to .bench/history.jsonl, and the previous run's figure is shown beside the
 * current one, so regressions show. `npm run bench -- NAME…` runs only the named benchmarks.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../config/project-root.js';
import { codeVersion } from '../runtime/code-version.js';
import { launchTunables } from '../runtime/malloc-tunables.js';
import { BENCHMARKS } from './benchmarks.js';
import { latestEntries, previousRunNote, type HistoryEntry } from './history.js';
import { machineSpeedLine, measureMachineSpeed } from './machine-speed.js';
import { ratioVerdict, referenceLines } from './reference-report.js';
import { median, ratioText, targetVerdict } from './timing.js';

/**
 * Whether a time or memory figure meets its target, as issue 30 words them: under a limit ("< 10 s", "< 1 GB"). Ratios
 * ("≤ 2×") are judged by reference-report.ts's ratioVerdict, which knows when a reference's speedup replaces them.
 */
function verdict(measured: number, target: number | undefined, unit: string): string {
  return target === undefined ? '' : ` (${targetVerdict(measured, '<', target, unit)})`;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  // Every process a benchmark starts (the ebpm commands, and the node and psql of the floors beside them) runs with
  // the malloc setting of the Docker image and the demo (runtime/malloc-tunables.ts), so a floor gets the same help
  // from the kernel as the command beside it; GLIBC_TUNABLES=glibc.malloc.hugetlb=0 runs them all without it. The
  // benchmarks timed inside this process (twfe-*) have it when this process was started with it, as `npm run bench`
  // starts it (scripts/with-huge-pages.sh).
  const glibcTunables = launchTunables(process.env.GLIBC_TUNABLES);
  process.env.GLIBC_TUNABLES = glibcTunables;
  const benchDir = join(projectRoot(), '.bench');
  mkdirSync(benchDir, { recursive: true });
  const historyFile = join(benchDir, 'history.jsonl');
  const previous = latestEntries(historyFile);
  const machine = await measureMachineSpeed();
  console.log(`ebpm bench (${codeVersion()}; GLIBC_TUNABLES=${glibcTunables}); ratio = subject / baseline, both measured now (lower is better)`);
  console.log(`${machineSpeedLine(machine)}\n`);
  for (const benchmark of BENCHMARKS) {
    if (only.length ? !only.includes(benchmark.name) : benchmark.onlyWhenNamed) continue;
    console.log(`${benchmark.name} [${benchmark.size}]`);
    const { subject, baseline, reference } = await benchmark.measure(join(benchDir, 'data'));
    const subjectMs = median(subject.map((m) => m.ms));
    const baselineMs = median(baseline.map((m) => m.ms));
    const peaks = subject.flatMap((m) => (m.peakRssMb === undefined ? [] : [m.peakRssMb]));
    const peakRssMb = peaks.length ? Math.max(...peaks) : null;
    const entry: HistoryEntry = {
      at: new Date().toISOString(),
      codeVersion: codeVersion(),
      name: benchmark.name,
      size: benchmark.size,
      subjectMs,
      baselineMs,
      ratio: subjectMs / baselineMs,
      peakRssMb,
      glibcTunables,
      nodeStartMs: machine.nodeStartMs,
      ...(reference?.measured ? { referenceMs: median(reference.runs.map((run) => run.ms)) } : {}),
    };
    appendFileSync(historyFile, `${JSON.stringify(entry)}\n`);
    console.log(
      `  subject  ${benchmark.subjectLabel}: ${(subjectMs / 1000).toFixed(3)} s (median of ${subject.length})` +
        `${verdict(subjectMs / 1000, benchmark.target?.seconds, 's')}\n` +
        `  baseline ${benchmark.baselineLabel}: ${(baselineMs / 1000).toFixed(3)} s${baseline.length > 1 ? ` (median of ${baseline.length})` : ''}\n` +
        `  ratio ${ratioText(entry.ratio, benchmark.target?.ratio)}${ratioVerdict(entry.ratio, benchmark.target, reference)}${previousRunNote(previous.get(benchmark.name), { glibcTunables, nodeStartMs: machine.nodeStartMs })}` +
        (peakRssMb === null ? '' : ` · peak memory ${peakRssMb.toFixed(0)} MB${verdict(peakRssMb, benchmark.target?.peakMb, 'MB')}`) +
        (reference ? `\n${referenceLines(benchmark.referenceLabel ?? 'reference', benchmark.target, subjectMs, reference)}` : '') +
        '\n',
    );
  }
  console.log(`History: ${historyFile}`);
}

await main();
