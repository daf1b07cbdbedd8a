/**
 * One programme's evaluation with its activities called in order, without Temporal: for tests about
 * what lands in the bi views rather than about orchestration.
 */
import type { Kysely } from 'kysely';
import { createActivities } from '../../activities/index.js';
import { writeSyntheticFiles, type GeneratedFiles } from '../../cli/commands/generate.js';
import type { Database } from '../../sql/database.js';

export async function evaluateSyntheticProgramme(
  db: Kysely<Database>,
  folder: string,
  options: { readonly seed?: number; readonly applicants?: number; readonly withInvalidRows: boolean; readonly workflowId: string; readonly programmeId?: string },
): Promise<string> {
  const programmeId = options.programmeId ?? 'sme-labour-saving';
  // Without a number of applicants, the programme's own synthetic design decides (a few projects for critical minerals).
  const files = writeSyntheticFiles(programmeId, folder, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.applicants === undefined ? {} : { applicants: options.applicants }),
    withInvalidRows: options.withInvalidRows,
  });
  const activities = createActivities({ db, codeVersion: 'test' });
  await activities.registerProgramme(programmeId);
  const applicants = await activities.ingestFile({ programmeId, kind: 'applicants', path: files.applicantsFile });
  const outcomes = await activities.ingestFile({ programmeId, kind: 'outcomes', path: files.outcomesFile });
  const statistics = files.statisticsFile ? await activities.ingestFile({ programmeId, kind: 'statistics', path: files.statisticsFile }) : null;
  const run = await activities.registerRun({
    programmeId,
    inputFiles: [
      { kind: 'applicants', sha256: applicants.fileSha256 },
      { kind: 'outcomes', sha256: outcomes.fileSha256 },
      ...(statistics ? [{ kind: 'statistics' as const, sha256: statistics.fileSha256 }] : []),
    ],
    workflowId: options.workflowId,
    workflowRunId: options.workflowId,
  });
  await activities.estimateEffects({ runKey: run.runKey, programmeId });
  await activities.computeKpis({ runKey: run.runKey, programmeId });
  await activities.finishRun({ runKey: run.runKey, status: 'succeeded' });
  await activities.refreshBiViews();
  return run.runKey;
}

/**
 * Any programme's evaluation from files already written (`writeSyntheticFiles`), statistics included, with the
 * activities called in the workflow's order: for tests that read every design's rows without Temporal.
 */
export async function evaluateProgrammeFiles(db: Kysely<Database>, files: GeneratedFiles, workflowId: string): Promise<void> {
  const { programmeId } = files;
  const activities = createActivities({ db, codeVersion: 'test' });
  await activities.registerProgramme(programmeId);
  const applicants = await activities.ingestFile({ programmeId, kind: 'applicants', path: files.applicantsFile });
  const outcomes = await activities.ingestFile({ programmeId, kind: 'outcomes', path: files.outcomesFile });
  const statistics = files.statisticsFile ? [await activities.ingestFile({ programmeId, kind: 'statistics', path: files.statisticsFile })] : [];
  const run = await activities.registerRun({
    programmeId,
    inputFiles: [
      { kind: 'applicants', sha256: applicants.fileSha256 },
      { kind: 'outcomes', sha256: outcomes.fileSha256 },
      ...statistics.map((file) => ({ kind: 'statistics' as const, sha256: file.fileSha256 })),
    ],
    workflowId,
    workflowRunId: workflowId,
  });
  await activities.estimateEffects({ runKey: run.runKey, programmeId });
  await activities.computeKpis({ runKey: run.runKey, programmeId });
  await activities.finishRun({ runKey: run.runKey, status: 'succeeded' });
  await activities.refreshBiViews();
}
