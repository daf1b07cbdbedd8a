import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAllSyntheticFiles, type GeneratedFiles } from '../cli/commands/generate.js';
import { parseAllProgrammesRequest } from '../cli/study-input.js';
import { trueEffectFor } from '../cli/summary.js';
import { ebpmWith } from './support/compiled-cli.js';
import { defaultCatalogueDirectory, listProgrammes } from '../programmes/catalogue.js';
import type { ProgrammeFile } from '../schemas/catalogue.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { createEvaluationSchedule, deleteEvaluationSchedule, triggerAndAwait } from '../scheduling/evaluation-schedules.js';
import { evaluateAllProgrammes, type AllProgrammesSummary } from '../workflows/index.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';

let temporal: TemporalSession;
let scratch: string;
let generated: readonly GeneratedFiles[];

beforeAll(async () => {
  temporal = await connectTestTemporal();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-all-programmes-'));
  generated = writeAllSyntheticFiles(join(scratch, 'data'), false).written;
});
afterAll(async () => {
  await temporal?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the scheduled evaluation run over all programmes', () => {
  let database: TestDatabase;
  let summary: AllProgrammesSummary;
  beforeAll(async () => {
    database = await createTestDatabase();
    const taskQueue = uniqueTaskQueue('all');
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    const scheduleId = `all-${taskQueue}`;
    await createEvaluationSchedule(temporal.client, {
      scheduleId,
      taskQueue,
      cron: '0 3 * * 1',
      evaluation: { kind: 'all-programmes', input: parseAllProgrammesRequest(join(scratch, 'data')) },
    });
    summary = (await worker.runUntil(triggerAndAwait<AllProgrammesSummary>(temporal.client, scheduleId, 300_000))).result;
    await deleteEvaluationSchedule(temporal.client, scheduleId);
  }, 600_000);
  afterAll(() => database?.drop());

  it('evaluates all 11 programmes in one run', () => {
    expect(summary.programmes).toHaveLength(11);
    expect(summary.failed).toBe(0);
    expect(new Set(summary.programmes.map((p) => p.programmeId)).size).toBe(11);
  });

  it('fills the KPI progress and effect views for every programme', async () => {
    const { rows: kpis } = await sql<{ n: number }>`SELECT count(DISTINCT programme_id)::integer AS n FROM bi.kpi_progress`.execute(database.db);
    const { rows: effects } = await sql<{ n: number }>`SELECT count(DISTINCT programme_id)::integer AS n FROM bi.effect_estimates`.execute(database.db);
    expect(kpis[0].n).toBe(11);
    expect(effects[0].n).toBe(11);
  });

  it('covers zero for the zero-effect programme and the true effect for the others', () => {
    for (const programme of summary.programmes) {
      const manifest = generated.find((files) => files.programmeId === programme.programmeId)?.manifest;
      for (const headline of programme.headlines) {
        if (headline.status !== 'estimated') continue;
        const truth = trueEffectFor(headline.estimator, manifest?.trueEffects[headline.outcome]);
        expect(truth, `${programme.programmeId} ${headline.outcome}`).toBeDefined();
        expect(headline.ciLow, `${programme.programmeId} ${headline.outcome}`).toBeLessThanOrEqual(truth as number);
        expect(headline.ciHigh, `${programme.programmeId} ${headline.outcome}`).toBeGreaterThanOrEqual(truth as number);
      }
    }
    const zero = summary.programmes.find((p) => p.programmeId === 'global-south-co-creation');
    expect(zero?.headlines[0].ciLow).toBeLessThanOrEqual(0);
    expect(zero?.headlines[0].ciHigh).toBeGreaterThanOrEqual(0);
  });

  it('gives every logic-model indicator of every programme a value, from records or official statistics', async () => {
    const { rows } = await sql<{ indicators: number; with_value: number }>`
      SELECT count(*)::integer AS indicators,
             count(*) FILTER (WHERE EXISTS (SELECT 1 FROM bi.kpi_progress p WHERE p.programme_id = i.programme_id AND p.indicator_id = i.indicator_id))::integer AS with_value
        FROM core.indicators i`.execute(database.db);
    const declared = listProgrammes().reduce((sum, p) => sum + Object.values(p.file.logicModel).flat().length, 0);
    expect(rows[0]).toEqual({ indicators: declared, with_value: declared });
    const { rows: statistics } = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM bi.kpi_by_fiscal_year WHERE source_kind = 'official_statistics'`.execute(database.db);
    expect(statistics[0].n).toBeGreaterThan(0);
  });

  it('quotes for each programme a headline on an outcome its own logic model names, never firm measures for projects and sites', async () => {
    const { rows } = await sql<{ programme_id: string; outcome: string }>`SELECT programme_id, outcome FROM bi.effect_estimates WHERE is_headline`.execute(database.db);
    for (const programme of listProgrammes()) {
      const headlines = rows.filter((row) => row.programme_id === programme.id).map((row) => row.outcome);
      const estimated = programme.studySpec.outcomes.filter((outcome) => programme.studySpec.designs?.[outcome]?.design !== 'descriptive');
      expect(headlines.sort(), programme.id).toEqual([...estimated].sort());
      const outcomeIndicators = [...programme.file.logicModel.shortTermOutcome, ...programme.file.logicModel.midTermOutcome, ...programme.file.logicModel.impact].map((i) => i.id);
      for (const outcome of headlines) expect(outcomeIndicators, `${programme.id} ${outcome}`).toContain(programme.studySpec.outcomeIndicators?.[outcome]);
      if (programme.file.unitOfAnalysis !== 'firm') expect(headlines.some((o) => ['labour_productivity', 'average_wage', 'employees'].includes(o)), programme.id).toBe(false);
    }
  });

  it('measures each outcome\'s spread before the first award, and the planned call\'s MDE uses it (programmes power --loaded)', async () => {
    const { rows } = await sql<{ outcome: string; sd: number; year_to_year_correlation: number; units: number }>`
      SELECT outcome, sd, year_to_year_correlation, units FROM bi.baseline_moments WHERE programme_id = 'sme-labour-saving' ORDER BY outcome`.execute(database.db);
    expect(rows.map((row) => row.outcome)).toEqual(['average_wage', 'labour_productivity']);
    // The synthetic firms' productivity: a permanent spread of 100 and yearly noise of 35 around common year effects.
    const productivity = rows.find((row) => row.outcome === 'labour_productivity')!;
    expect(productivity.sd).toBeGreaterThan(90);
    expect(productivity.sd).toBeLessThan(125);
    expect(productivity.year_to_year_correlation).toBeGreaterThan(0.8);
    const { status, stdout, stderr } = ebpmWith({ DATABASE_URL: database.url }, 'programmes', 'power', 'sme-labour-saving', '--loaded', '--replications', '50');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(new RegExp(`labour_productivity .*loaded data: ${productivity.units} units, FY\\d{4}–FY\\d{4} before the first award`));
  });

  it('evaluates each outcome by the design its spec names: synthetic DiD, regression discontinuity, descriptive, staggered DiD', async () => {
    const headlineOf = (programmeId: string, outcome: string) => summary.programmes.find((p) => p.programmeId === programmeId)?.headlines.find((h) => h.outcome === outcome);
    expect(headlineOf('critical-minerals', 'secured_supply')).toMatchObject({ estimator: 'sdid', status: 'estimated' });
    expect(headlineOf('semiconductor-fund', 'production_capacity')).toMatchObject({ estimator: 'sdid', status: 'estimated' });
    expect(headlineOf('large-scale-growth-investment', 'labour_productivity')).toMatchObject({ estimator: 'rd_robust', status: 'estimated' });
    expect(headlineOf('large-scale-growth-investment', 'average_wage')).toMatchObject({ estimator: 'cs_simple', status: 'estimated' });
    expect(headlineOf('global-south-co-creation', 'partner_projects_started')).toBeUndefined();
    const { rows: designs } = await sql<{ programme_id: string; outcome: string; design: string; reason: string | null }>`
      SELECT programme_id, outcome, design, reason FROM bi.outcome_designs ORDER BY programme_id, outcome`.execute(database.db);
    expect(designs).toHaveLength(listProgrammes().reduce((sum, programme) => sum + programme.studySpec.outcomes.length, 0));
    expect(designs.find((d) => d.outcome === 'partner_projects_started')).toMatchObject({ design: 'descriptive', reason: expect.stringContaining('only awarded consortia') });
    const { rows: headlineDesigns } = await sql<{ design: string }>`
      SELECT design FROM bi.effect_estimates WHERE programme_id = 'critical-minerals' AND is_headline`.execute(database.db);
    expect(headlineDesigns).toEqual([{ design: 'synthetic_did' }]);
    // Treated against synthetic, per cohort: the post-award gap less the time-weighted pre-award gap is the cohort's estimate.
    const { rows: paths } = await sql<{ award_fiscal_year: number; after_award: boolean; gap: number; time_weight: number | null }>`
      SELECT award_fiscal_year, after_award, gap, time_weight FROM bi.synthetic_trajectories WHERE programme_id = 'critical-minerals' AND outcome = 'secured_supply'`.execute(database.db);
    const { rows: cohortEstimates } = await sql<{ cohort: number; estimate: number }>`
      SELECT e.cohort, e.estimate FROM results.effect_estimates e JOIN bi.latest_runs l USING (run_key)
       WHERE l.programme_id = 'critical-minerals' AND e.estimator = 'sdid' AND e.cohort IS NOT NULL`.execute(database.db);
    expect(cohortEstimates.length).toBe(2);
    for (const { cohort, estimate } of cohortEstimates) {
      const rows = paths.filter((row) => row.award_fiscal_year === cohort);
      const post = rows.filter((row) => row.after_award);
      const postGap = post.reduce((sum, row) => sum + row.gap, 0) / post.length;
      const preGap = rows.filter((row) => !row.after_award).reduce((sum, row) => sum + (row.time_weight as number) * row.gap, 0);
      expect(postGap - preGap).toBeCloseTo(estimate, 9);
    }
    const { rows: rd } = await sql<{ h_left: number; density_p_value: number; awards_against_score: number }>`
      SELECT h_left, density_p_value, awards_against_score FROM bi.rd_summaries WHERE programme_id = 'large-scale-growth-investment'`.execute(database.db);
    expect(rd).toHaveLength(1);
    expect(rd[0].awards_against_score).toBe(0);
    const { rows: bins } = await sql<{ n: number; above: number; fitted: number }>`
      SELECT count(*)::integer AS n, count(*) FILTER (WHERE above_cutoff)::integer AS above, count(fitted)::integer AS fitted
        FROM bi.rd_bins WHERE programme_id = 'large-scale-growth-investment'`.execute(database.db);
    expect(bins[0].above).toBeGreaterThan(0);
    expect(bins[0].n - bins[0].above).toBeGreaterThan(0);
    expect(bins[0].fitted).toBeGreaterThan(0);
  });
});

describe('failures in the all-programmes run', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('carry on past a programme that fails and say which one failed and why', async () => {
    const input = parseAllProgrammesRequest(join(scratch, 'data'));
    const programmes = input.programmes
      .filter((p) => ['sme-labour-saving', 'space-strategy-fund'].includes(p.programmeId))
      .map((p) => (p.programmeId === 'space-strategy-fund' ? { ...p, outcomesFile: join(scratch, 'missing.csv') } : p));
    const taskQueue = uniqueTaskQueue('partial-failure');
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    const summary = await worker.runUntil(
      temporal.client.workflow.execute(evaluateAllProgrammes, { taskQueue, workflowId: taskQueue, args: [{ programmes }] }),
    );
    expect(summary).toMatchObject({ succeeded: 1, failed: 1 });
    const failed = summary.programmes.find((p) => p.status === 'failed');
    expect(failed?.programmeId).toBe('space-strategy-fund');
    expect(failed?.error).toContain('missing.csv does not exist');
  });

  it('names a programme whose catalogue file does not validate as failed, with its file and field, and runs the others', async () => {
    const drafts = join(scratch, 'drafts');
    mkdirSync(drafts, { recursive: true });
    const programme = JSON.parse(readFileSync(join(defaultCatalogueDirectory(), 'biomanufacturing.json'), 'utf8')) as ProgrammeFile;
    programme.id = 'draft-programme';
    programme.logicModel.impact = [];
    writeFileSync(join(drafts, 'draft-programme.json'), JSON.stringify(programme));
    const input = parseAllProgrammesRequest(join(scratch, 'data'));
    const programmes = input.programmes.filter((p) => p.programmeId === 'sme-labour-saving');
    const taskQueue = uniqueTaskQueue('invalid-programme');
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    process.env.EBPM_CATALOGUE_DIR = drafts;
    try {
      const summary = await worker.runUntil(temporal.client.workflow.execute(evaluateAllProgrammes, { taskQueue, workflowId: taskQueue, args: [{ programmes }] }));
      expect(summary).toMatchObject({ succeeded: 1, failed: 1 });
      expect(summary.programmes.find((p) => p.status === 'succeeded')?.programmeId).toBe('sme-labour-saving');
      const failed = summary.programmes.find((p) => p.status === 'failed');
      expect(failed?.programmeId).toBe('draft-programme');
      expect(failed?.error).toContain('programme "draft-programme" cannot be used');
      expect(failed?.error).toContain(`${join(drafts, 'draft-programme.json')}: logicModel.impact`);
    } finally {
      delete process.env.EBPM_CATALOGUE_DIR;
    }
  });
});
