/**
 * The benchmarks. Each pairs a subject with a baseline measured in the same run on the same input, so the
 * ratio measures our overhead rather than the machine; some also carry an absolute target.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StaggeredPanel } from '../stats/panel.js';
import { fitEventStudyTwfe, fitStaticTwfe } from '../stats/twfe.js';
import { SeededRandom } from '../stats/random.js';
import { writePanelCsv } from './panel-csv.js';
import { writeBlockPanelCsv, writeEventStudyJson, writeReviewScoresCsv } from './design-csv.js';
import { timeCommand, timeMs, timeNodeProcess, type Measurement } from './timing.js';
import { NODE_START_RUNS, timeNodeStart } from './machine-speed.js';
import { writeApplicantsCsv } from './applicants-csv.js';
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { withMigratedScratchDatabase, withScratchDatabase } from './scratch-database.js';
import { studyBenchmark } from './study-benchmark.js';
import { databaseFloorLoad } from './database-floor.js';
import { reviewSheetsBenchmark } from './review-sheets-benchmark.js';
import { agreementOf, rDidAvailability, RDidOutputError, rscriptCommand, timeRDid, type RDidRun, type ReferenceOutcome, type SimpleEstimate } from './r-did-reference.js';

/** A benchmark with its fixture type hidden, so different kinds can share one list. */
export interface RunnableBenchmark {
  readonly name: string;
  readonly size: string;
  readonly subjectLabel: string;
  readonly baselineLabel: string;
  readonly target?: Benchmark<unknown>['target'];
  /** Run only when named (`npm run bench -- NAME`): too long for every bench run. */
  readonly onlyWhenNamed?: boolean;
  /** A program timed beside the subject where it is installed, and compared by `target.speedup` (R did for estimate-100k). */
  readonly referenceLabel?: string;
  /** Prepares the fixture, then alternates baseline and subject runs. */
  measure(dataDir: string): Promise<{ subject: Measurement[]; baseline: Measurement[]; reference?: ReferenceOutcome }>;
}

function defineBenchmark<Fixture>(benchmark: Benchmark<Fixture>): RunnableBenchmark {
  return {
    name: benchmark.name,
    size: benchmark.size,
    subjectLabel: benchmark.subject.label,
    baselineLabel: benchmark.baseline.label,
    target: benchmark.target,
    async measure(dataDir) {
      const fixture = await benchmark.prepare(dataDir);
      const subject: Measurement[] = [];
      const baseline: Measurement[] = [];
      for (let i = 0; i < benchmark.repetitions; i++) {
        baseline.push(await benchmark.baseline.run(fixture));
        subject.push(await benchmark.subject.run(fixture));
      }
      return { subject, baseline };
    },
  };
}

export interface Benchmark<Fixture> {
  readonly name: string;
  readonly size: string;
  readonly repetitions: number;
  prepare(dataDir: string): Promise<Fixture> | Fixture;
  readonly subject: { readonly label: string; run(fixture: Fixture): Promise<Measurement> };
  readonly baseline: { readonly label: string; run(fixture: Fixture): Promise<Measurement> };
  /**
   * Goals for the subject, printed beside the measurement; `ratio` is the most subject / baseline may be; `speedup` the
   * least reference / subject may be where the reference is installed (`ratio` is then not judged).
   */
  readonly target?: { readonly seconds?: number; readonly peakMb?: number; readonly ratio?: number; readonly speedup?: number };
}

function staggeredPanel(units: number, periods: number, seed: number): StaggeredPanel {
  const random = new SeededRandom(seed);
  const calendar = Int32Array.from({ length: periods }, (_, t) => 2016 + t);
  const cohortChoices = [0, 2019, 2020, 2021, 2022];
  const cohortOfUnit = Int32Array.from({ length: units }, () => random.pick(cohortChoices));
  const n = units * periods;
  const unit = new Int32Array(n);
  const period = new Int32Array(n);
  const outcome = new Float64Array(n);
  for (let i = 0, row = 0; i < units; i++) {
    const level = random.normal(0, 1);
    for (let t = 0; t < periods; t++, row++) {
      unit[row] = i;
      period[row] = t;
      const treated = cohortOfUnit[i] !== 0 && calendar[t] >= cohortOfUnit[i] ? 1 : 0;
      outcome[row] = level + 0.1 * t + 0.5 * treated + random.normal(0, 1);
    }
  }
  return { unit, period, outcome, periods: calendar, cohortOfUnit, unitCount: units };
}

/** Unit means of the outcome: one pass that every fixed-effects estimator must make at least once. */
function unitMeansPass(panel: StaggeredPanel): number {
  const sums = new Float64Array(panel.unitCount);
  for (let i = 0; i < panel.outcome.length; i++) sums[panel.unit[i]] += panel.outcome[i];
  let total = 0;
  for (let u = 0; u < sums.length; u++) total += sums[u];
  return total;
}

const onePassBaseline = {
  label: 'one pass of unit sums over the outcome',
  run: (panel: StaggeredPanel) => timeMs(() => unitMeansPass(panel)),
};

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const countLines = fileURLToPath(new URL('./count-lines.js', import.meta.url));
const parseFile = fileURLToPath(new URL('./parse-file.js', import.meta.url));
const peakMemory = new URL('./peak-memory.js', import.meta.url).href;

/** Seeded panel CSVs are generated once into the git-ignored .bench/data and reused. */
async function panelFile(dataDir: string, units: number, periods: number, missingShare = 0): Promise<string> {
  mkdirSync(dataDir, { recursive: true });
  const missing = missingShare > 0 ? `-missing${Math.round(missingShare * 100)}` : '';
  const path = join(dataDir, `panel-${units}x${periods}${missing}-seed1.csv`);
  if (!existsSync(path)) {
    console.log(`  generating ${path} …`);
    await writePanelCsv(`${path}.partial`, units, periods, 1, missingShare);
    renameSync(`${path}.partial`, path);
  }
  return path;
}

/** `ebpm estimate --json` on a bench panel (columns id, period, group, y), as timed and as checked against R did. */
function estimateJsonArgs(path: string): string[] {
  return ['estimate', '--data', path, '--outcome', 'y', '--time', 'period', '--id', 'id', '--group', 'group', '--json'];
}

interface EstimateBenchmarkSetup {
  readonly units: number;
  readonly extraArgs?: readonly string[];
  /** Share of unit-period rows missing at random (an unbalanced panel). */
  readonly missingShare?: number;
  readonly variant?: string;
}

function estimateBenchmark(setup: EstimateBenchmarkSetup, target: Benchmark<string>['target'], repetitions: number): Benchmark<string> {
  const { units, extraArgs = [], missingShare = 0, variant } = setup;
  const label = `ebpm estimate --json${extraArgs.length ? ` ${extraArgs.join(' ')}` : ''} (compiled CLI, whole process)`;
  const rows = Math.round(units * 10 * (1 - missingShare));
  return {
    name: `estimate${variant ? `-${variant}` : ''}-${units >= 1_000_000 ? `${units / 1_000_000}M` : `${units / 1000}k`}`,
    size:
      `${units.toLocaleString('en-US')} units × 10 periods (${missingShare > 0 ? 'about ' : ''}${rows.toLocaleString('en-US')} rows` +
      `${missingShare > 0 ? `, ${Math.round(missingShare * 100)} % missing at random` : ''})`,
    repetitions,
    prepare: (dataDir) => panelFile(dataDir, units, 10, missingShare),
    subject: {
      label,
      run: (path) => timeNodeProcess(cli, [...estimateJsonArgs(path), ...extraArgs], peakMemory),
    },
    baseline: { label: 'node reads the file and counts its lines', run: (path) => timeNodeProcess(countLines, [path], peakMemory) },
    target,
  };
}

/** R did runs this many times: about six seconds each on the 100,000-unit panel. */
const R_DID_REPETITIONS = 3;

/** `ebpm estimate --json`'s simple ATT and SE on the panel (one more run, untimed), to check that R did estimated the same. */
async function ebpmSimpleEstimate(path: string): Promise<SimpleEstimate> {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...estimateJsonArgs(path)], {
    maxBuffer: 64 << 20,
  });
  const { att, se } = (JSON.parse(stdout) as { aggregations: { simple: SimpleEstimate } }).aggregations.simple;
  return { att, se };
}

/**
 * An estimate benchmark with R did timed beside it where R and its did package are installed (issue 30: `ebpm
 * estimate` at least 20 times faster than R did there; without R, as on a fresh machine of the project's kind,
 * within twice its floor). R runs three times after the subject's runs; its simple ATT and SE are compared with
 * ebpm's on the same file before the times are.
 */
function againstRDid(benchmark: RunnableBenchmark, units: number): RunnableBenchmark {
  return {
    ...benchmark,
    referenceLabel: "R did (Rscript bench/r/did-estimate.R: att_gt and the four aggte with ebpm's defaults, analytic SEs; whole process)",
    async measure(dataDir) {
      const measured = await benchmark.measure(dataDir);
      const rscript = rscriptCommand();
      const availability = await rDidAvailability(rscript);
      if (!availability.available) return { ...measured, reference: { measured: false, reason: availability.reason } };
      const path = await panelFile(dataDir, units, 10);
      const runs: RDidRun[] = [];
      try {
        for (let i = 0; i < R_DID_REPETITIONS; i++) runs.push(await timeRDid(rscript, path));
      } catch (error) {
        // A broken R install is reported beside the figures it cannot give, not as the end of the bench.
        if (!(error instanceof RDidOutputError)) throw error;
        return { ...measured, reference: { measured: false, reason: error.message } };
      }
      return { ...measured, reference: { measured: true, runs, agreement: agreementOf(await ebpmSimpleEstimate(path), runs[0]) } };
    },
  };
}

/** A seeded input generated once into the git-ignored .bench/data and reused. */
async function generatedOnce(dataDir: string, name: string, write: (path: string) => Promise<void>): Promise<string> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, name);
  if (!existsSync(path)) {
    console.log(`  generating ${path} …`);
    await write(`${path}.partial`);
    renameSync(`${path}.partial`, path);
  }
  return path;
}

const readFileBaseline = { label: 'node reads the file and counts its lines', run: (path: string) => timeNodeProcess(countLines, [path], peakMemory) };

/** The design commands end to end (compiled CLI, whole process) against reading the same file. */
function designBenchmarks(): Benchmark<string>[] {
  return [
    {
      name: 'rd-1M',
      size: '1,000,000 applicants, review scores on a 0.1-point grid, fuzzy award at 60',
      repetitions: 3,
      prepare: (dataDir) => generatedOnce(dataDir, 'review-scores-1000000-seed1.csv', (path) => writeReviewScoresCsv(path, 1_000_000, 1)),
      subject: {
        label: 'ebpm rd --fuzzy awarded --json (mserd bandwidths, nn variance)',
        run: (path) => timeNodeProcess(cli, ['rd', '--data', path, '--outcome', 'outcome', '--score', 'review_score', '--cutoff', '60', '--fuzzy', 'awarded', '--json'], peakMemory),
      },
      baseline: readFileBaseline,
      target: { seconds: 5 },
    },
    {
      name: 'sdid-1000x30',
      size: '1,000 units × 30 years, 20 treated in the last 10',
      repetitions: 3,
      prepare: (dataDir) => generatedOnce(dataDir, 'block-panel-1000x30-seed1.csv', (path) => writeBlockPanelCsv(path, 1000, 30, 20, 1)),
      subject: {
        label: 'ebpm sdid --json (synthdid, sc and did with jackknife SEs)',
        run: (path) => timeNodeProcess(cli, ['sdid', '--data', path, '--unit', 'unit', '--time', 'year', '--outcome', 'y', '--treated', 'treated', '--json'], peakMemory),
      },
      baseline: readFileBaseline,
      target: { seconds: 5 },
    },
    {
      name: 'sensitivity-10',
      size: 'an event study of 10 event times (5 pre-award, 5 post-award), default M̄ and M grids, both targets',
      repetitions: 3,
      prepare: (dataDir) => generatedOnce(dataDir, 'event-study-5-5-seed1.json', (path) => writeEventStudyJson(path, 5, 5, 1)),
      subject: {
        label: 'ebpm sensitivity --json (5 M̄ by C-LF, 10 M by FLCI, breakdown values; R HonestDiD ~6.6 min for 7 event times per the issue)',
        run: (path) => timeNodeProcess(cli, ['sensitivity', '--input', path, '--json'], peakMemory),
      },
      baseline: readFileBaseline,
      target: { seconds: 5 },
    },
  ];
}

function psqlCopy(url: string, path: string): Promise<Measurement> {
  const columns = APPLICANT_COLUMNS.map((column) => `${column} text`).join(', ');
  return timeCommand('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE TABLE applicants (${columns})`, '-c', `\\copy applicants FROM '${path}' CSV HEADER`]);
}

/** The seeded applicant CSV, generated once into the git-ignored .bench/data and reused. */
async function applicantsFile(dataDir: string, rows: number): Promise<string> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, `applicants-${rows}-seed1.csv`);
  if (!existsSync(path)) {
    console.log(`  generating ${path} …`);
    await writeApplicantsCsv(`${path}.partial`, rows, 1);
    renameSync(`${path}.partial`, path);
  }
  return path;
}

const psqlCopyBaseline = { label: 'psql \\copy of the same file into a text table', run: (path: string) => withScratchDatabase((url) => psqlCopy(url, path)) };

/**
 * The whole load against the raw floor (psql \copy of the same file into an unindexed text table; issue 30's target
 * is twice that), then each of the load's two halves alone against the same floor: the parse in node, and the
 * database putting the rows into the keyed tables with nothing parsed or validated. The halves run side by side in
 * the load, so it cannot beat the slower of them.
 */
function ingestBenchmarks(rows: number): Benchmark<string>[] {
  const scale = rows >= 1_000_000 ? `${rows / 1_000_000}M` : `${rows / 1000}k`;
  const size = `${rows.toLocaleString('en-US')} applicant rows (CSV)`;
  const prepare = (dataDir: string) => applicantsFile(dataDir, rows);
  const databaseFloor = {
    label: 'the database alone: psql \\copy into staging, then one INSERT each into core.firms and beside core.applications, keys built, attached',
    run: (path: string) => withMigratedScratchDatabase((url) => databaseFloorLoad(url, path)),
  };
  return [
    {
      name: `ingest-${scale}`,
      size,
      // Three of each, alternating: single runs of either varied by a fifth on the 2-core machine.
      repetitions: 3,
      prepare,
      subject: {
        label: 'ebpm ingest --json into a fresh database (validate, normalise, load, quarantine)',
        run: (path) =>
          withMigratedScratchDatabase((url) => timeNodeProcess(cli, ['ingest', path, '--programme', 'sme-labour-saving', '--json'], peakMemory, { DATABASE_URL: url })),
      },
      baseline: psqlCopyBaseline,
      target: { peakMb: 500, ratio: 2 },
    },
    {
      name: `ingest-${scale}-parse`,
      size,
      repetitions: 1,
      prepare,
      subject: { label: "ebpm's parse worker alone (read, normalise, validate, encode as COPY text; no database)", run: (path) => timeNodeProcess(parseFile, [path], peakMemory) },
      baseline: psqlCopyBaseline,
    },
    {
      name: `ingest-${scale}-database`,
      size,
      repetitions: 1,
      prepare,
      subject: databaseFloor,
      baseline: psqlCopyBaseline,
    },
  ];
}
/**
 * How long the compiled CLI takes to start and answer a quick command, whole process, against `node -e 0` (node's
 * own start) measured alternately in the same run: each command should load only the modules it needs.
 */
function cliStartBenchmarks(): Benchmark<null>[] {
  const nodeStart = { label: 'node -e 0 (node starts and exits)', run: timeNodeStart };
  const quick = (name: string, args: readonly string[], size: string): Benchmark<null> => ({
    name,
    size,
    repetitions: NODE_START_RUNS,
    // One untimed run first, so that the timed ones find what a second call finds (the catalogue cache filled).
    prepare: async () => {
      await timeCommand(process.execPath, [cli, ...args]);
      return null;
    },
    subject: { label: `ebpm ${args.join(' ')} (compiled CLI, whole process, stdout discarded)`, run: () => timeCommand(process.execPath, [cli, ...args]) },
    baseline: nodeStart,
    target: { seconds: 0.15 },
  });
  return [
    quick('cli-start-help', ['--help'], 'the usage text'),
    quick('cli-start-programmes-list', ['programmes', 'list'], 'the built-in catalogue (and EBPM_CATALOGUE_DIR), validated catalogue cached'),
  ];
}

export const BENCHMARKS: readonly RunnableBenchmark[] = [
  ...ingestBenchmarks(1_000_000).map(defineBenchmark),
  // Issue 30's targets: a 100,000-applicant study in under 10 s and 1 GB, a 1,000,000-applicant one in under 90 s and 4 GB.
  studyBenchmark(100_000, { seconds: 10, peakMb: 1024 }, false),
  studyBenchmark(1_000_000, { seconds: 90, peakMb: 4096 }, true),
  reviewSheetsBenchmark(5700),
  // Issue 30: at least 20 times faster than R did where R is installed (timed beside it then); without R, within twice its floor.
  againstRDid(defineBenchmark(estimateBenchmark({ units: 100_000 }, { ratio: 2, speedup: 20 }, 5)), 100_000),
  defineBenchmark(estimateBenchmark({ units: 1_000_000 }, { seconds: 10, peakMb: 4096 }, 1)),
  defineBenchmark(estimateBenchmark({ units: 1_000_000, extraArgs: ['--bootstrap', '1000', '--seed', '1'], variant: 'bootstrap' }, { seconds: 30, peakMb: 4096 }, 1)),
  defineBenchmark(estimateBenchmark({ units: 1_000_000, extraArgs: ['--unbalanced'], missingShare: 0.08, variant: 'unbalanced' }, { seconds: 15, peakMb: 4096 }, 1)),
  defineBenchmark(
    estimateBenchmark({ units: 1_000_000, extraArgs: ['--unbalanced', 'paired'], missingShare: 0.08, variant: 'unbalanced-paired' }, { seconds: 15, peakMb: 4096 }, 1),
  ),
  ...designBenchmarks().map(defineBenchmark),
  ...cliStartBenchmarks().map(defineBenchmark),
  defineBenchmark({
    name: 'twfe-static',
    size: '100,000 units × 10 periods',
    repetitions: 5,
    prepare: () => staggeredPanel(100_000, 10, 1),
    subject: { label: 'TWFE static fit with clustered SEs', run: (panel: StaggeredPanel) => timeMs(() => fitStaticTwfe(panel)) },
    baseline: onePassBaseline,
  }),
  defineBenchmark({
    name: 'twfe-event-study',
    size: '100,000 units × 10 periods',
    repetitions: 5,
    prepare: () => staggeredPanel(100_000, 10, 2),
    subject: { label: 'TWFE event-study fit with clustered SEs', run: (panel: StaggeredPanel) => timeMs(() => fitEventStudyTwfe(panel)) },
    baseline: onePassBaseline,
  }),
];
