/**
 * `npm run bench`: each benchmark times its subject and a baseline in the same run on the same data and
 * prints the ratio, so figures compare across machines; results are appended to .bench/history.jsonl and
 * the previous run's ratio is shown beside the current one, so regressions show.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../config/project-root.js';
import { codeVersion } from '../runtime/code-version.js';
import { BENCHMARKS } from './benchmarks.js';
import { median } from './timing.js';

interface HistoryEntry {
  readonly at: string;
  readonly codeVersion: string;
  readonly name: string;
  readonly size: string;
  readonly subjectMs: number;
  readonly baselineMs: number;
  readonly ratio: number;
  readonly peakRssMb: number;
}

const REPETITIONS = 5;

function previousRatios(historyFile: string): Map<string, number> {
  const ratios = new Map<string, number>();
  if (!existsSync(historyFile)) return ratios;
  for (const line of readFileSync(historyFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as HistoryEntry;
    ratios.set(entry.name, entry.ratio);
  }
  return ratios;
}

async function main(): Promise<void> {
  const historyDir = join(projectRoot(), '.bench');
  mkdirSync(historyDir, { recursive: true });
  const historyFile = join(historyDir, 'history.jsonl');
  const previous = previousRatios(historyFile);
  console.log(`ebpm bench (${codeVersion()}), median of ${REPETITIONS} runs each; ratio = subject / baseline (lower is better)\n`);
  for (const benchmark of BENCHMARKS) {
    const fixture = benchmark.prepare();
    const subject: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      baseline.push(await benchmark.baseline.run(fixture));
      subject.push(await benchmark.subject.run(fixture));
    }
    const entry: HistoryEntry = {
      at: new Date().toISOString(),
      codeVersion: codeVersion(),
      name: benchmark.name,
      size: benchmark.size,
      subjectMs: median(subject),
      baselineMs: median(baseline),
      ratio: median(subject) / median(baseline),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    appendFileSync(historyFile, `${JSON.stringify(entry)}\n`);
    const before = previous.get(benchmark.name);
    console.log(
      `${benchmark.name} [${benchmark.size}]\n` +
        `  subject  ${benchmark.subject.label}: ${entry.subjectMs.toFixed(1)} ms\n` +
        `  baseline ${benchmark.baseline.label}: ${entry.baselineMs.toFixed(1)} ms\n` +
        `  ratio ${entry.ratio.toFixed(2)}${before === undefined ? '' : ` (previous run: ${before.toFixed(2)})`} · peak RSS so far ${entry.peakRssMb} MB\n`,
    );
  }
  console.log(`History: ${historyFile}`);
}

await main();
