export { evaluateProgramme, progressQuery } from './evaluate-programme.js';
export type { EvaluateProgrammeInput, EvaluationProgress, EvaluationResult } from './evaluate-programme.js';
