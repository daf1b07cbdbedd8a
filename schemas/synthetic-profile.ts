/**
 * How `ebpm generate` draws a programme's synthetic data, as its catalogue file may declare it: how many units
 * apply and what share is awarded, the firms behind the units, and for each outcome measure its distribution
 * over units and years and the true effect of the award. Every part is optional: what the file leaves out is
 * derived from its declared fields, unit of analysis, call rounds and study spec (synth/default-profile.ts).
 */
import { z } from 'zod';
import { provenance } from './provenance.js';

/** constant: the same effect every year after award; zero: none; growing: effectOfAward·(1 + e)/2 in year e after award. */
export const EFFECT_KINDS = ['constant', 'zero', 'growing'] as const;
export type EffectKind = (typeof EFFECT_KINDS)[number];

/** One outcome measure: y = firstYearMean + unit's own level + trendPerYear·t + year shock + noise (+ effect once awarded). */
export const measureProfileSchema = z.object({
  /** Mean of a comparison unit in the panel's first year. */
  firstYearMean: z.number(),
  /** Standard deviation of the units' permanent differences. */
  spreadBetweenUnits: z.number().nonnegative(),
  /** Change per year, common to all units. */
  trendPerYear: z.number(),
  /** Standard deviation of each unit's yearly noise. */
  yearlyNoise: z.number().nonnegative(),
  /** The true effect of the award on the measure in each year after it (the base of a growing effect). */
  effectOfAward: z.number(),
  provenance,
});

export const syntheticProfileSchema = z.object({
  /** Units (firms, projects or sites) that apply, over all call rounds. */
  applicants: z.number().int().min(20, 'applicants: fewer than 20 units cannot carry a study').optional(),
  /** Share of applicants awarded (without review-score cut-offs; with them, the share scoring above the cut-off). */
  awardShare: z.number().gt(0).lt(1).optional(),
  effectKind: z.enum(EFFECT_KINDS).optional(),
  /** Share of units that stop reporting part-way through the panel. */
  attritionShare: z.number().min(0).lt(1).optional(),
  /** Median employees of the applicant firms (it also scales the amounts requested). */
  employeesMedian: z.number().positive().optional(),
  /** Average units per applicant firm: above 1, firms lead several projects or run several sites. */
  unitsPerFirm: z.number().min(1).optional(),
  /** Consortium members per project besides the lead, at most (project programmes). */
  maxConsortiumMembers: z.number().int().min(0).optional(),
  /** The seed `ebpm generate` uses unless --seed is given. */
  seed: z.number().int().min(0).max(4_294_967_295).optional(),
  /** By outcome measure of the outcome file (dataRequirements.fields with a measure). */
  measures: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), measureProfileSchema).default({}),
  provenance,
});

export type MeasureProfile = z.output<typeof measureProfileSchema>;
export type DeclaredSyntheticProfile = z.output<typeof syntheticProfileSchema>;
