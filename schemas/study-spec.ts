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

export const DESIGN_KINDS = ['staggered_did', 'synthetic_did', 'rd_review_score', 'descriptive'] as const;
export type DesignKind = (typeof DESIGN_KINDS)[number];

/**
 * How an outcome's effect is identified, fixed with the spec before the call opens:
 * - `staggered_did`: awarded against rejected applicants over the call rounds (Callaway & Sant'Anna), the
 *   meaning when an outcome names no design;
 * - `synthetic_did`: a few treated units, each award cohort against a synthetic comparison weighted from the
 *   never-awarded units (Arkhangelsky et al. 2021), for programmes too small for the staggered design;
 * - `rd_review_score`: awards made by a review-score cut-off per call round (in the catalogue), so applicants
 *   just either side of it are compared (local polynomial regression discontinuity, as rdrobust);
 * - `descriptive`: monitored but not estimated, with the reason.
 */
export const designSchema = z.discriminatedUnion('design', [
  z.object({ design: z.literal('staggered_did') }),
  z.object({
    design: z.literal('synthetic_did'),
    /** The placebo SE, used when a cohort has a single treated unit (the jackknife needs two). */
    placebo: z.object({ draws: z.number().int().min(50), seed: z.number().int().min(0) }),
  }),
  z.object({
    design: z.literal('rd_review_score'),
    /** Fuzzy when awards do not follow the cut-off exactly (the jump in the outcome over the jump in the award rate). */
    fuzzy: z.boolean(),
    /**
     * The outcome is the change from the year before the round's award to the mean of the award year and the
     * next `followUpYears − 1` years; a unit missing any of those years is left out (and counted).
     */
    followUpYears: z.number().int().min(1).max(10),
    kernel: z.enum(['triangular', 'epanechnikov', 'uniform']),
    polynomialOrder: z.number().int().min(0).max(4),
    bandwidthSelector: z.enum(['mserd', 'msetwo', 'msesum', 'msecomb1', 'msecomb2', 'cerrd', 'certwo', 'cersum', 'cercomb1', 'cercomb2']),
  }),
  z.object({ design: z.literal('descriptive'), reason: z.string().min(20, 'say why this outcome is monitored and not estimated (at least a sentence)') }),
]);
export type DesignSpec = z.output<typeof designSchema>;

export const STAGGERED_DID: DesignSpec = { design: 'staggered_did' };

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
  /** The design per outcome; an outcome not named here uses `staggered_did` (as in versions registered before designs were asked for). */
  designs: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), designSchema).optional(),
  comparisonEstimators: z.array(z.enum(COMPARISON_ESTIMATORS)),
  confidenceLevel: z.number().gt(0).lt(1),
  minimumTreatedUnits: z.number().int().positive(),
  minimumComparisonUnits: z.number().int().positive(),
});

/** The spec a run uses: a registered version, tied to its programme. */
export const studySpecSchema = studySpecVersionSchema.omit({ frozenHash: true }).extend({ programmeId: z.string().min(1) });

export type StudySpec = z.output<typeof studySpecSchema>;

/** The design the spec names for an outcome. */
export function designOf(spec: Pick<StudySpec, 'designs'>, outcome: string): DesignSpec {
  return spec.designs?.[outcome] ?? STAGGERED_DID;
}

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
