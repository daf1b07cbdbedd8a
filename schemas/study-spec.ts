/**
 * A pre-registered study specification: what is estimated, on whom, with which estimator.
 * Its content hash travels with every result so that a number can always be traced to the spec it used.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { OUTCOME_MEASURES } from './outcome.js';

export const ESTIMATORS = ['twfe_static', 'twfe_event_study'] as const;
export type Estimator = (typeof ESTIMATORS)[number];

export const studySpecSchema = z.object({
  programmeId: z.string().min(1),
  version: z.number().int().positive(),
  registeredAt: z.iso.datetime({ offset: true }),
  outcomes: z.array(z.enum(OUTCOME_MEASURES)).min(1),
  comparisonGroup: z.enum(['rejected_applicants']),
  estimators: z.array(z.enum(ESTIMATORS)).min(1),
  confidenceLevel: z.number().gt(0).lt(1),
  minimumTreatedUnits: z.number().int().positive(),
  minimumComparisonUnits: z.number().int().positive(),
});

export type StudySpec = z.output<typeof studySpecSchema>;

/** JSON with object keys sorted at every level, so that equal specs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function studySpecHash(spec: StudySpec): string {
  return createHash('sha256').update(canonicalJson(studySpecSchema.parse(spec))).digest('hex');
}
