import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { redactPassword } from '../../runtime/database.js';
import { createEbpmWorker } from '../../runtime/worker.js';
import { formatEffects, formatIngestAccount, formatKpis, trueEffectFor } from '../summary.js';
import { runStudy } from '../run-study.js';
import { openServices } from '../services.js';
import { positiveInteger, writeAllSyntheticFiles, writeSyntheticFiles } from './generate.js';
import { createEvaluationSchedule, deleteEvaluationSchedule, triggerAndAwait } from '../../scheduling/evaluation-schedules.js';
import type { AllProgrammesSummary } from '../../workflows/index.js';
import { parseAllProgrammesRequest } from '../study-input.js';
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
    const { workflowId, result } = await worker.runUntil(
      runStudy({
        client: temporal.client,
        taskQueue,
        input: { programmeId: 'sme-labour-saving', applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile, statisticsFile: files.statisticsFile },
        onProgress: (progress) => log(`workflow: ${progress.step} (${progress.completedSteps}/${progress.totalSteps})`),
        follow: { address: temporal.address, log, reconnectSeconds: environment.reconnectSeconds, workerInThisCommand: true },
      }),
    );
    log(`Workflow ${workflowId} completed.`);
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
        '\n\nAll 11 programmes, each by the design its spec names (staggered DiD, synthetic DiD, RD on review scores, descriptive):\n' +
        '  npm run demo -- --all' +
        `\n\nReport: ${(await writeReports(services.db, [getProgramme('sme-labour-saving')], join(environment.dataDir, 'reports'))).pages[0]}` +
        `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
  } finally {
    await services.close();
  }
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

/** All 11 programmes in one scheduled run: a Temporal Schedule is created, triggered once, and followed. */
async function allProgrammesDemo(): Promise<void> {
  const started = Date.now();
  const environment = readEnvironment();
  const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  log('ebpm demo --all: the scheduled evaluation run over all 11 programmes, synthetic data');
  const dataDir = join(environment.dataDir, 'demo-all');
  const generated = writeAllSyntheticFiles(dataDir, true);
  log(`Generated synthetic data for ${generated.length} programmes in ${dataDir}.`);
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
      evaluation: { kind: 'all-programmes', input: parseAllProgrammesRequest(dataDir) },
      note: 'ebpm demo --all',
    });
    log(`Schedule ${scheduleId} created (Mondays 03:00); triggering one run now.`);
    const runStarted = Date.now();
    const { workflowId, result } = await worker.runUntil(triggerAndAwait<AllProgrammesSummary>(temporal.client, scheduleId, 600_000));
    const wall = (Date.now() - runStarted) / 1000;
    await deleteEvaluationSchedule(temporal.client, scheduleId);
    log(`Scheduled run ${workflowId}: ${result.succeeded} programmes evaluated, ${result.failed} failed, in ${wall.toFixed(1)} s.`);
    const truths = new Map(generated.map((files) => [files.programmeId, files.manifest]));
    console.log(
      '\nHeadline effect per programme and outcome, by the design its spec names (95% CI; true effects from the synthetic design)\n' +
        formatTable(
          ['programme', 'outcome', 'design', 'effect', '95% CI', 'true effect', 'covers', 'note'],
          result.programmes.flatMap((programme) =>
            programme.status === 'failed'
              ? [[programme.programmeId, '—', '', 'failed', '', '', '', programme.error ?? '']]
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
        ) +
        descriptiveOutcomes() +
        `\n\nBI views now hold all programmes: bi.kpi_progress, bi.effect_estimates, bi.event_study, bi.run_history, … (${redactPassword(environment.databaseUrl)})` +
        `\nReports: ${(await writeReports(services.db, listProgrammes(), join(environment.dataDir, 'reports'))).index}` +
        `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
  } finally {
    await services.close();
  }
}
