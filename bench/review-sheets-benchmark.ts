/**
 * A national review year: `ebpm generate --review-sheets 5700` once into .bench/data, then `ebpm review-sheets
 * load DIR --json` (the real command: workflow and activities, its own worker, through Temporal) into a fresh
 * migrated database (its last step analyses the loaded tables and writes the findings, core.review_findings, which
 * bi.review_findings reads), then every bi.review_* view counted, which makes PostgreSQL compute each as a reader
 * would. Before each load, measured in the same run, the floor: psql \copy of the same six files into unindexed
 * tables of one text column per CSV column (nothing parsed beyond CSV, nothing checked, no keys). Both REPETITIONS
 * times; the ratio is of their medians.
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { readEnvironment } from '../config/environment.js';
import { openDatabase } from '../runtime/database.js';
import { startDevServer, type TemporalSession } from '../runtime/temporal.js';
import { PUBLISHED_HEADERS, isLoadedTable } from '../review-sheets/published-headers.js';
import { parseReviewFileName } from '../review-sheets/file-name.js';
import { nationalReviewYear } from '../review-sheets/synthetic/national-year.js';
import { writeReviewYear } from '../review-sheets/synthetic/write-review-year.js';
import type { RunnableBenchmark } from './benchmarks.js';
import { withMigratedScratchDatabase, withScratchDatabase } from './scratch-database.js';
import { timeCommand, timeMs, timeNodeProcess, type Measurement } from './timing.js';

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const peakMemory = new URL('./peak-memory.js', import.meta.url).href;

function prepare(dataDir: string, projects: number): string {
  const directory = join(dataDir, `review-sheets-${projects}-seed1`);
  if (existsSync(directory)) return directory;
  console.log(`  generating ${directory} …`);
  const partial = `${directory}.partial`;
  rmSync(partial, { recursive: true, force: true });
  writeReviewYear(partial, 2024, nationalReviewYear({ projects, seed: 1, reviewYear: 2024 }));
  renameSync(partial, directory);
  return directory;
}

function csvFiles(directory: string): string[] {
  return readdirSync(directory).filter((name) => name.endsWith('.csv')).sort().map((name) => join(directory, name));
}

/** psql \copy of every file into a table of text columns, one per CSV column, without keys or indexes. */
function copyFloor(url: string, directory: string): Promise<Measurement> {
  const commands = csvFiles(directory).flatMap((path, index) => {
    const { table } = parseReviewFileName(path);
    if (!isLoadedTable(table)) return [];
    const columns = PUBLISHED_HEADERS[table].map((_, column) => `c${column + 1} text`).join(', ');
    return [`CREATE TABLE floor_${index} (${columns})`, `\\copy floor_${index} FROM '${path}' CSV HEADER`];
  });
  return timeCommand('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', ...commands.flatMap((command) => ['-c', command])]);
}

/** Every bi.review_* view counted, and any materialized one (none since migration 0041). */
async function countViews(url: string): Promise<{ measurement: Measurement; how: string }> {
  const db = openDatabase(url, 1);
  try {
    const relations = await sql<{ name: string }>`
      SELECT table_name AS name FROM information_schema.views WHERE table_schema = 'bi' AND table_name LIKE 'review%'
      UNION SELECT matviewname FROM pg_matviews WHERE schemaname = 'bi' AND matviewname LIKE 'review%' ORDER BY 1`.execute(db);
    const measurement = await timeMs(async () => {
      for (const { name } of relations.rows) await sql`SELECT count(*) FROM ${sql.table(`bi.${name}`)}`.execute(db);
    });
    return { measurement, how: `counted ${relations.rows.map((r) => `bi.${r.name}`).join(', ')}` };
  } finally {
    await db.destroy();
  }
}

async function temporalAddress(): Promise<{ address: string; session?: TemporalSession }> {
  if (process.env.TEMPORAL_ADDRESS) return { address: process.env.TEMPORAL_ADDRESS };
  const session = await startDevServer({ toolsDir: readEnvironment().toolsDir, namespace: 'default', log: () => undefined });
  return { address: session.address, session };
}

const seconds = (measurement: Measurement) => `${(measurement.ms / 1000).toFixed(2)} s`;

/**
 * Floor and load timed this many times, alternated, and judged by their medians: on the machines of the project's kind
 * the floor alone moved between 1.70 and 2.33 s in runs minutes apart (bench/README.md, "2026-12-07"), so that one run
 * of each made the ratio follow the floor more than the code.
 */
const REPETITIONS = 3;

export function reviewSheetsBenchmark(projects: number): RunnableBenchmark {
  return {
    name: `review-sheets-${projects}`,
    size: `a synthetic national review year: ${projects.toLocaleString('en-US')} projects, tables 1-2, 2-1, 3-1, 3-2, 4-1, 5-1 (ebpm generate --review-sheets ${projects} --seed 1)`,
    subjectLabel: 'ebpm review-sheets load DIR --json into a fresh database (workflow, activities, own worker), then the bi.review_* views',
    baselineLabel: 'psql \\copy of the same files into unindexed tables of text columns (one per CSV column)',
    target: { seconds: 15, peakMb: 1024, ratio: 3 },
    onlyWhenNamed: true,
    async measure(dataDir) {
      const directory = prepare(dataDir, projects);
      const temporal = await temporalAddress();
      try {
        const subject: Measurement[] = [];
        const baseline: Measurement[] = [];
        for (let run = 0; run < REPETITIONS; run++) {
          baseline.push(await withScratchDatabase((url) => copyFloor(url, directory)));
          subject.push(
            await withMigratedScratchDatabase(async (url) => {
              const load = await timeNodeProcess(cli, ['review-sheets', 'load', directory, '--json'], peakMemory, { DATABASE_URL: url, TEMPORAL_ADDRESS: temporal.address });
              const views = await countViews(url);
              console.log(
                `  step     floor ${seconds(baseline[run])}, load ${seconds(load)} (peak memory ${load.peakRssMb?.toFixed(0) ?? '?'} MB), views ${seconds(views.measurement)}` +
                  (run === 0 ? ` (${views.how})` : ''),
              );
              return { ms: load.ms + views.measurement.ms, ...(load.peakRssMb === undefined ? {} : { peakRssMb: load.peakRssMb }) };
            }),
          );
        }
        return { subject, baseline };
      } finally {
        await temporal.session?.close();
      }
    },
  };
}
