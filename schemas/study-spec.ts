/**
 * A pre-registered study specification: what is estimated, on whom, with which estimator.
 * Its content hash travels with every result so that a number can always be traced to the spec it used.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Two-way fixed-effects fits reported beside the main estimate, for comparison. */
export const COMPARISON_ESTIMATORS = ['twfe_static', 'twfe_event_study'] as const;

/**
 * Where the comparison units come from: applicants never awarded (did's never-treated group), or those
 * plus applicants awarded in a later call round, until their award (did's not-yet-treated group).
 */
export const COMPARISON_GROUPS = ['rejected_applicants', 'rejected_and_not_yet_awarded'] as const;

export const MISSING_YEAR_TREATMENTS = ['balanced', 'unbalanced', 'unbalanced_paired'] as const;

/** One registered version of a programme's study spec, as the catalogue stores it. */
export const studySpecVersionSchema = z.object({
  version: z.number().int().positive(),
  registeredAt: z.iso.datetime({ offset: true }),
  /** SHA-256 of the version's content (see studySpecHash), written by `ebpm programmes freeze`. */
  frozenHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64-hex SHA-256 written by `ebpm programmes freeze`; run it for this programme'),
  /** Outcome measures to estimate: fields of the programme's outcome file. */
  outcomes: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).min(1),
  /** The logic-model indicator each outcome measures, by outcome (absent in versions registered before it was asked for). */
  outcomeIndicators: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.string().regex(/^[a-z][a-z0-9_]*$/)).optional(),
  comparisonGroup: z.enum(COMPARISON_GROUPS),
  /** Applicant characteristics at application (fields of the applicant file) that parallel trends are conditioned on. */
  covariates: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)),
  /** Callaway & Sant'Anna group-time estimator settings. */
  estimation: z.object({
    method: z.enum(['dr', 'ipw', 'reg']),
    anticipation: z.number().int().min(0),
    basePeriod: z.enum(['varying', 'universal']),
    bootstrap: z.object({ draws: z.number().int().min(100), seed: z.number().int().min(0) }),
    /**
     * Units missing follow-up years: `balanced` drops them (R did's default, and the meaning when absent, as in
     * versions registered before the choice existed); `unbalanced` keeps every row (R did's
     * allow_unbalanced_panel); `unbalanced_paired` estimates each comparison from the units observed in both of
     * its years (valid when attrition is unrelated to the outcome path).
     */
    missingYears: z.enum(MISSING_YEAR_TREATMENTS).optional(),
  }),
  comparisonEstimators: z.array(z.enum(COMPARISON_ESTIMATORS)),
  confidenceLevel: z.number().gt(0).lt(1),
  minimumTreatedUnits: z.number().int().positive(),
  minimumComparisonUnits: z.number().int().positive(),
});

/** The spec a run uses: a registered version, tied to its programme. */
export const studySpecSchema = studySpecVersionSchema.omit({ frozenHash: true }).extend({ programmeId: z.string().min(1) });

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
