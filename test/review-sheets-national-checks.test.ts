/**
 * A synthetic national year, loaded through the review-sheet workflow, gives every one of the seven checks of
 * bi.review_findings something to find; for the four whose problems the generator alone plants, the findings equal
 * what a reading of the generated projects (the models, not the CSVs or the view) says was planted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemporalSession } from '../runtime/temporal.js';
import { FINDING_CHECKS } from '../review-sheets/finding-checks.js';
import { nationalReviewYear } from '../review-sheets/synthetic/national-year.js';
import type { LogicNode, ReviewProjectModel } from '../review-sheets/synthetic/project-model.js';
import { writeReviewYear } from '../review-sheets/synthetic/write-review-year.js';
import { loadReviewSheetsWorkflow } from '../workflows/index.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';

const PROJECTS = 1_500;
const REVIEW_YEAR = 2024;

let temporal: TemporalSession;
let database: TestDatabase;
let scratch: string;
let models: ReviewProjectModel[];

beforeAll(async () => {
  temporal = await connectTestTemporal();
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-rs-national-checks-'));
  models = [...nationalReviewYear({ projects: PROJECTS, seed: 11, reviewYear: REVIEW_YEAR })];
  writeReviewYear(scratch, REVIEW_YEAR, models);
  const taskQueue = uniqueTaskQueue('rs-national-checks');
  const worker = await createTestWorker(temporal, database.db, taskQueue);
  await worker.runUntil(temporal.client.workflow.execute(loadReviewSheetsWorkflow, { taskQueue, workflowId: `${taskQueue}-load`, args: [{ paths: [scratch] }] }));
}, 300_000);

afterAll(async () => {
  await database?.drop();
  await temporal?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const nodeKey = (node: { kind: string; number: number }) => `${node.kind}:${node.number}`;

/** What the generated projects say was planted, counted per finding as the checks name them (node or indicator). */
function planted(): Record<string, number> {
  let withoutTarget = 0;
  let passedWithoutActual = 0;
  let unreached = 0;
  let repeated = 0;
  for (const project of models) {
    const outcomes = project.nodes.filter((node) => node.kind === 'outcome');
    const outputNames = new Set(project.nodes.filter((node) => node.kind === 'output').flatMap((node) => node.indicators.map((indicator) => indicator.name)));
    for (const node of outcomes) {
      const hasNumericTarget = node.indicators.some((indicator) => Object.values(indicator.targets).some((value) => typeof value === 'number'));
      if (!node.qualitative && !hasNumericTarget && !node.qualitativeReason) withoutTarget++;
      repeated += node.indicators.filter((indicator) => outputNames.has(indicator.name)).length;
    }
    for (const node of project.nodes) {
      for (const indicator of node.indicators) {
        if (indicator.targetYear !== null && indicator.targetYear < REVIEW_YEAR && indicator.actuals[indicator.targetYear] === undefined) passedWithoutActual++;
      }
    }
    // Reached: anything an edge chain leads to from an output.
    const reached = new Set<string>(project.nodes.filter((node) => node.kind === 'output').map(nodeKey));
    for (let grown = true; grown; ) {
      grown = false;
      for (const edge of project.edges) {
        if (reached.has(nodeKey(edge.from)) && !reached.has(nodeKey(edge.to))) {
          reached.add(nodeKey(edge.to));
          grown = true;
        }
      }
    }
    unreached += outcomes.filter((node: LogicNode) => !reached.has(nodeKey(node))).length;
  }
  return { outcome_without_target: withoutTarget, target_year_passed_without_actual: passedWithoutActual, outcome_unreached: unreached, output_repeated_as_outcome: repeated };
}

describe('the checks on a synthetic national year', () => {
  it('every check finds something, and the four planted only by the generator find exactly what was planted', async () => {
    const { rows } = await sql<{ check_id: string; findings: number }>`SELECT check_id, count(*)::integer AS findings FROM bi.review_findings GROUP BY check_id`.execute(database.db);
    const found = Object.fromEntries(rows.map((row) => [row.check_id, row.findings]));
    for (const check of FINDING_CHECKS) expect(found[check.id] ?? 0, check.id).toBeGreaterThan(0);
    const expected = planted();
    for (const count of Object.values(expected)) expect(count).toBeGreaterThan(0);
    expect(Object.fromEntries(Object.keys(expected).map((check) => [check, found[check] ?? 0]))).toEqual(expected);
  });
});
