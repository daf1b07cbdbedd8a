/**
 * What a chart or table calls an outcome: the logic-model indicator the study spec says it measures
 * (outcomeIndicators), with its Japanese and English names and its unit, so that an axis reads
 * "補助事業者の労働生産性（万円/人）" rather than "labour_productivity". An outcome the spec maps to no indicator
 * falls back to its outcome-file column (Japanese name and measure unit), then to its id.
 */
import { LOGIC_MODEL_STAGE_KEYS } from '../schemas/catalogue.js';
import type { Programme } from '../programmes/catalogue.js';

export interface OutcomeIndicator {
  readonly nameJa: string;
  readonly nameEn: string;
  readonly unit: string;
}

export function outcomeIndicator(programme: Programme, outcome: string): OutcomeIndicator {
  const indicatorId = programme.studySpec.outcomeIndicators?.[outcome];
  const indicator = indicatorId ? LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.file.logicModel[stage]).find((candidate) => candidate.id === indicatorId) : undefined;
  if (indicator) return { nameJa: indicator.nameJa, nameEn: indicator.nameEn, unit: indicator.unit };
  const field = programme.file.dataRequirements.fields.find((candidate) => candidate.file === 'outcomes' && candidate.name === outcome);
  return { nameJa: field?.nameJa ?? outcome, nameEn: field?.description ?? outcome, unit: field?.measure?.unit ?? '' };
}

/** An applicant characteristic's Japanese and English names, from the programme's data requirements. */
export function applicantField(programme: Programme, name: string): { readonly nameJa: string; readonly nameEn: string } {
  const field = programme.file.dataRequirements.fields.find((candidate) => candidate.file === 'applicants' && candidate.name === name);
  return { nameJa: field?.nameJa ?? name, nameEn: field?.description ?? name };
}
