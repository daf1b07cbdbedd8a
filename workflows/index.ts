export { evaluateProgramme, progressQuery } from './evaluate-programme.js';
export type { EvaluateProgrammeInput, EvaluationProgress, EvaluationResult } from './evaluate-programme.js';
export { allProgrammesProgressQuery, evaluateAllProgrammes } from './evaluate-all-programmes.js';
export type { AllProgrammesSummary, EvaluateAllProgrammesInput, ProgrammeHeadline, ProgrammeRunSummary } from './evaluate-all-programmes.js';
