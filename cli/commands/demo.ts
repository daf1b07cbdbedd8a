import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { redactPassword } from '../../runtime/database.js';
import { createEbpmWorker } from '../../runtime/worker.js';
import { formatEffects, formatIngestAccount, formatKpis, trueEffectFor } from '../summary.js';
import { runStudy } from '../run-study.js';
import { openServices } from '../services.js';
import { failuresText, positiveInteger, writeAllReviewSheets, writeAllSyntheticFiles, writeSyntheticFiles } from './generate.js';
import type { Client } from '@temporalio/client';
import { dirname } from 'node:path';
import { loadReviewSheetsWorkflow } from '../../workflows/index.js';
import type { WrittenReviewYear } from '../../review-sheets/synthetic/write-review-year.js';
import { createEvaluationSchedule, deleteEvaluationSchedule, triggerAndAwait } from '../../scheduling/evaluation-schedules.js';
import type { AllProgrammesSummary, EvaluateAllProgrammesInput } from '../../workflows/index.js';
import { CommandFailure } from '../errors.js';
import { writeReports } from '../../report/write-reports.js';
import { getProgramme, listProgrammes } from '../../programmes/catalogue.js';
import { formatNumber, formatTable } from '../format.js';

const HEADLINE_DESIGNS: Readonly<Record<string, string>> = { cs_simple: 'staggered DiD', sdid: 'synthetic DiD', rd_robust: 'RD on review scores' };

export async function demoCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { seed: { type: 'string' }, applicants: { type: 'string' }, all: { type: 'boolean' } } });
  if (values.all) return allProgrammesDemo();
  const started = Date.now();
  const environment = readEnvironment();
  const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  log('ebpm demo: 中小企業省力化投資補助事業 (SME labour-saving investment subsidy), synthetic data');

  const files = writeSyntheticFiles('sme-labour-saving', join(environment.dataDir, 'demo'), {
    seed: positiveInteger('--seed', values.seed),
    applicants: positiveInteger('--applicants', values.applicants),
    withInvalidRows: true,
  });
  log(`Generated ${files.manifest.applicants} applicants (${files.manifest.awarded} awarded) and ${files.manifest.outcomeRows} firm-years in ${join(environment.dataDir, 'demo')}, ` +
    `plus ${files.manifest.invalidApplicantRows + files.manifest.invalidOutcomeRows} deliberately invalid rows.`);

  const services = await openServices(environment, log, { temporal: true });
  try {
    const temporal = services.temporal!;
    // A queue of our own, so that this in-process worker (which can read the local files) runs the study.
    const taskQueue = `${environment.taskQueue}-demo-${process.pid}`;
    const worker = await createEbpmWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, db: services.db });
    log(`Worker started on task queue ${taskQueue}.`);
    const { study: { workflowId, result }, sheets } = await worker.runUntil(
      (async () => ({
        study: await runStudy({
          client: temporal.client,
          taskQueue,
          input: { programmeId: 'sme-labour-saving', applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile, statisticsFile: files.statisticsFile },
          onProgress: (progress) => log(`workflow: ${progress.step} (${progress.completedSteps}/${progress.totalSteps})`),
          follow: { address: temporal.address, log, reconnectSeconds: environment.reconnectSeconds, workerInThisCommand: true },
        }),
        sheets: await loadDemoReviewSheets(temporal.client, taskQueue, files.reviewSheets),
      }))(),
    );
    log(`Workflow ${workflowId} completed.`);
    if (sheets) log(sheets);
    console.log(`\nInput files (rows in = loaded + rejected; rejected rows are in raw.rejected_rows with reasons)\n${formatIngestAccount(result)}`);
    console.log(`\nLogic-model KPIs, latest fiscal year\n${formatKpis(result)}`);
    console.log(`\nEffect of the award (difference-in-differences, SEs clustered by firm; true effects from the synthetic design)\n${formatEffects(result, files.manifest.trueEffects)}`);
    console.log(
      `\nRun ${result.run.runKey.slice(0, 16)}… · spec v${result.run.specVersion} ${result.run.specHash.slice(0, 16)}… · ${result.run.codeVersion}` +
        `\n\nBI tools: connect to ${redactPassword(environment.databaseUrl)} (as bi_reader when EBPM_BI_READER_PASSWORD is set) and open\n` +
        '  bi.effect_estimates (headline: is_headline), bi.event_study, bi.effects_by_cohort, bi.effects_by_year,\n' +
        '  bi.group_time_effects, bi.parallel_trends_pretest, bi.effect_sensitivity, bi.effect_sensitivity_bounds,\n' +
        '  bi.outcome_designs, bi.synthetic_trajectories, bi.synthetic_diagnostics, bi.rd_summaries, bi.rd_bins,\n' +
        '  bi.rd_covariate_balance, bi.baseline_moments,\n' +
        '  bi.kpi_by_fiscal_year, bi.kpi_progress, bi.input_quality, bi.rejection_reasons, bi.run_history;\n' +
        '  for publication (disclosure-controlled): bi.public_effect_estimates,\n' +
        '  bi.public_event_study, bi.public_effects_by_cohort, bi.public_effects_by_year, bi.public_kpi_by_fiscal_year\n' +
        `  (each is documented: \\d+ bi.effect_estimates in psql, or COMMENT ON in any BI tool's metadata browser)` +
        '\n\nFollow-up questions on these data, kept apart as exploratory (bi.exploratory_effects), for example:\n' +
        '  npx ebpm study adhoc --programme sme-labour-saving --subgroup size_band=1-20,21-50 --by industry_code --note "why"' +
        '\n\nEvery programme of the catalogue, each by the design its spec names (staggered DiD, synthetic DiD, RD on review scores, descriptive):\n' +
        '  npm run demo -- --all' +
        `\n\nReport: ${(await writeReports(services.db, [getProgramme('sme-labour-saving')], join(environment.dataDir, 'reports'))).pages[0]}` +
        `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
  } finally {
    await services.close();
  }
}

/**
 * Loads the catalogue programmes' review sheets (written in the published format beside their data) with the
 * review-sheets workflow, so that bi.review_* hold them; returns the line to print, or undefined without sheets.
 */
async function loadDemoReviewSheets(client: Client, taskQueue: string, written: WrittenReviewYear | undefined): Promise<string | undefined> {
  if (!written?.files.length) return undefined;
  const folder = dirname(written.files[0].path);
  const result = await client.workflow.execute(loadReviewSheetsWorkflow, { taskQueue, workflowId: `demo-review-sheets-${process.pid}-${Date.now()}`, args: [{ paths: [folder] }] });
  const loaded = result.files.reduce((sum, file) => sum + file.loaded, 0);
  return `Review sheets of ${written.projects} catalogue project(s) (review year ${written.reviewYear}, synthetic 予算事業ID): ${result.files.length} files, ${loaded} records, read by the views bi.review_projects, bi.review_logic_model_nodes, bi.review_logic_model_edges, bi.review_indicator_values, bi.review_budget_execution, bi.review_payees and bi.review_findings (ebpm review-sheets show ID, ebpm review-sheets check).`;
}

/** The outcomes the specs monitor without an estimate, with their reasons. */
function descriptiveOutcomes(): string {
  const lines = listProgrammes().flatMap((programme) =>
    programme.studySpec.outcomes.flatMap((outcome) => {
      const design = programme.studySpec.designs?.[outcome];
      return design?.design === 'descriptive' ? [`  ${programme.id} ${outcome}: ${design.reason}`] : [];
    }),
  );
  return lines.length ? `\n\nMonitored only (descriptive design, no estimate):\n${lines.join('\n')}` : '';
}

/**
 * Every programme of the catalogue in one scheduled run: a Temporal Schedule is created, triggered once, and
 * followed. A programme whose file does not validate, or whose data cannot be made, is named as failed with its
 * reason and the others run (exit 1 when any failed, after the table).
 */
async function allProgrammesDemo(): Promise<void> {
  const started = Date.now();
  const environment = readEnvironment();
  const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  log('ebpm demo --all: the scheduled evaluation run over every programme of the catalogue, synthetic data');
  const dataDir = join(environment.dataDir, 'demo-all');
  const { written: generated, failed: notGenerated } = writeAllSyntheticFiles(dataDir, true);
  const reviewSheets = writeAllReviewSheets(dataDir, generated);
  log(`Generated synthetic data for ${generated.length} programmes in ${dataDir}.`);
  if (notGenerated.length) log(`No data for ${notGenerated.length} programme(s); they are named as failed below:\n${failuresText(notGenerated)}`);
  // The programmes whose files were written; the run itself names every catalogue file that does not validate.
  const input: EvaluateAllProgrammesInput = {
    programmes: generated.map((files) => ({
      programmeId: files.programmeId,
      applicantsFile: files.applicantsFile,
      outcomesFile: files.outcomesFile,
      ...(files.statisticsFile ? { statisticsFile: files.statisticsFile } : {}),
    })),
  };
  const services = await openServices(environment, log, { temporal: true });
  try {
    const temporal = services.temporal!;
    const taskQueue = `${environment.taskQueue}-demo-all-${process.pid}`;
    const worker = await createEbpmWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, db: services.db });
    const scheduleId = `demo-all-programmes-${process.pid}`;
    await createEvaluationSchedule(temporal.client, {
      scheduleId,
      taskQueue,
      cron: '0 3 * * 1',
      evaluation: { kind: 'all-programmes', input },
      note: 'ebpm demo --all',
    });
    log(`Schedule ${scheduleId} created (Mondays 03:00); triggering one run now.`);
    const runStarted = Date.now();
    const { run: { workflowId, result }, sheets } = await worker.runUntil(
      (async () => ({
        run: await triggerAndAwait<AllProgrammesSummary>(temporal.client, scheduleId, 600_000),
        sheets: await loadDemoReviewSheets(temporal.client, taskQueue, reviewSheets),
      }))(),
    );
    if (sheets) log(sheets);
    const wall = (Date.now() - runStarted) / 1000;
    await deleteEvaluationSchedule(temporal.client, scheduleId);
    log(`Scheduled run ${workflowId}: ${result.succeeded} programmes evaluated, ${result.failed} failed, in ${wall.toFixed(1)} s.`);
    const truths = new Map(generated.map((files) => [files.programmeId, files.manifest]));
    // Programmes with a valid file whose data could not be made never reached the run: named here.
    const failures = [
      ...result.programmes.filter((programme) => programme.status === 'failed').map((programme) => ({ programmeId: programme.programmeId, error: programme.error ?? '' })),
      ...notGenerated.filter((failure) => !result.programmes.some((programme) => programme.programmeId === failure.programmeId)),
    ];
    console.log(
      '\nHeadline effect per programme and outcome, by the design its spec names (95% CI; true effects from the synthetic design)\n' +
        formatTable(
          ['programme', 'outcome', 'design', 'effect', '95% CI', 'true effect', 'covers', 'note'],
          [
            ...result.programmes.flatMap((programme) =>
              programme.status === 'failed'
                ? []
                : programme.headlines.map((h) => {
                    const truth = trueEffectFor(h.estimator, truths.get(programme.programmeId)?.trueEffects[h.outcome]) ?? null;
                    const covers = h.ciLow !== null && h.ciHigh !== null && truth !== null && h.ciLow <= truth && truth <= h.ciHigh;
                    return [
                      programme.programmeId,
                      h.outcome,
                      HEADLINE_DESIGNS[h.estimator] ?? h.estimator,
                      h.status === 'estimated' ? formatNumber(h.estimate) : 'not estimated',
                      h.status === 'estimated' ? `[${formatNumber(h.ciLow)}, ${formatNumber(h.ciHigh)}]` : '',
                      formatNumber(truth),
                      h.status === 'estimated' ? (covers ? 'yes' : 'NO') : '',
                      h.note ?? (truths.get(programme.programmeId)?.effectKind === 'zero' ? 'true effect is zero' : ''),
                    ];
                  }),
            ),
            // The reason's first two lines (what failed, and its first problem); all of it follows the table.
            ...failures.map((failure) => [failure.programmeId, '—', '', 'failed', '', '', '', failure.error.split('\n').map((line) => line.trim()).filter(Boolean).slice(0, 2).join(' ')]),
          ],
        ) +
        descriptiveOutcomes() +
        `\n\nBI views now hold all programmes: bi.kpi_progress, bi.effect_estimates, bi.event_study, bi.run_history, … (${redactPassword(environment.databaseUrl)})` +
        `\nReports: ${(await writeReports(services.db, listProgrammes().filter((programme) => !failures.some((failure) => failure.programmeId === programme.id)), join(environment.dataDir, 'reports'))).index}` +
        `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
    if (failures.length) throw new CommandFailure(`${failures.length} programme(s) failed, the others were evaluated:\n${failuresText(failures)}`, 1);
  } finally {
    await services.close();
  }
}
