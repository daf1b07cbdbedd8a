export { evaluateProgramme, progressQuery } from './evaluate-programme.js';
export type { EvaluateProgrammeInput, EvaluationProgress, EvaluationResult } from './evaluate-programme.js';
export { allProgrammesProgressQuery, evaluateAllProgrammes } from './evaluate-all-programmes.js';
export type { AllProgrammesSummary, EvaluateAllProgrammesInput, ProgrammeHeadline, ProgrammeRunSummary } from './evaluate-all-programmes.js';
export { ingestFileWorkflow } from './ingest-file.js';
export type { IngestFileWorkflowInput } from './ingest-file.js';
export { exploratoryProgressQuery, exploratoryStudy } from './exploratory-study.js';
export type { ExploratoryProgress, ExploratoryResult, ExploratoryStudyInput } from './exploratory-study.js';
