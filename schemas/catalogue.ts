/**
 * The programme catalogue as data: one JSON file per programme (logic model, indicators, call rounds,
 * budget lines, data requirements and the versions of its pre-registered study spec), plus one file with
 * the classes of the ministry's outcome-indicator guide. Validated here once, when the catalogue is read.
 */
import { z } from 'zod';
import { kpiComputationSchema, type LogicModelStage } from './kpi-definition.js';
import { studySpecVersionSchema } from './study-spec.js';

const isoDate = z.iso.date({ error: 'must be a date in YYYY-MM-DD form' });
const fiscalYear = z.number().int().min(1990).max(2100);
/** Where a figure comes from: a seed document, or "synthetic" when the seeds give none. */
const provenance = z.string().min(1, 'say where the figure comes from, or "synthetic" when the sources give none');

export const indicatorClassSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'ids are snake_case'),
  nameJa: z.string().min(1),
  nameEn: z.string().min(1),
  description: z.string().min(1),
});

export const indicatorClassListSchema = z.object({
  provenance,
  classes: z.array(indicatorClassSchema).min(1),
});

export const LOGIC_MODEL_STAGE_KEYS = ['input', 'activity', 'output', 'shortTermOutcome', 'midTermOutcome', 'impact'] as const;

/** The stage names used in the database and by the KPI engine, for each catalogue stage key. */
export const LOGIC_MODEL_STAGE_NAMES = {
  input: 'input',
  activity: 'activity',
  output: 'output',
  shortTermOutcome: 'short_term_outcome',
  midTermOutcome: 'mid_term_outcome',
  impact: 'impact',
} as const satisfies Record<(typeof LOGIC_MODEL_STAGE_KEYS)[number], LogicModelStage>;

const measuredValue = z.object({ value: z.number(), fiscalYear, provenance });

export const indicatorSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'ids are snake_case'),
    nameJa: z.string().min(1),
    nameEn: z.string().min(1),
    definition: z.string().min(1),
    unit: z.string().min(1),
    direction: z.enum(['higher_is_better', 'lower_is_better']),
    dataSource: z.string().min(1),
    frequency: z.enum(['annual', 'per_call_round', 'one_off']),
    indicatorClass: z.string().min(1),
    baseline: measuredValue.nullable(),
    target: measuredValue,
    /** How the pipeline computes the indicator from the core tables; absent when it comes from elsewhere. */
    computation: kpiComputationSchema.optional(),
  })
  .superRefine((indicator, context) => {
    if (indicator.baseline && indicator.target.fiscalYear <= indicator.baseline.fiscalYear) {
      context.addIssue({
        code: 'custom',
        path: ['target', 'fiscalYear'],
        message: `target year ${indicator.target.fiscalYear} is not after the baseline year ${indicator.baseline.fiscalYear}; set a target year later than the baseline`,
      });
    }
  });

const stageSchema = z.array(indicatorSchema).min(1, 'a logic-model stage needs at least one indicator; add one');

export const callRoundSchema = z
  .object({ round: z.number().int().positive(), opens: isoDate, closes: isoDate, awardFiscalYear: fiscalYear, provenance })
  .refine((round) => round.opens <= round.closes, { error: 'the call closes before it opens; check opens and closes', path: ['closes'] });

export const dataFieldSchema = z.object({
  file: z.enum(['applicants', 'outcomes']),
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  description: z.string().min(1),
  format: z.string().min(1),
  required: z.boolean(),
  /** Personal data: stored apart and never shown to BI users. */
  personal: z.boolean(),
});

export const programmeFileSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'ids are kebab-case, e.g. sme-labour-saving'),
    nameJa: z.string().min(1),
    nameEn: z.string().min(1),
    ministry: z.string().min(1),
    kindOfSupport: z.string().min(1),
    unitOfAnalysis: z.enum(['firm', 'project', 'site']),
    synthetic: z.boolean(),
    budgetLines: z.array(z.object({ label: z.string().min(1), amountHundredMillionYen: z.number().nonnegative().nullable(), provenance })).min(1),
    callRounds: z.array(callRoundSchema).min(1, 'at least one call round is needed: the call rounds define the cohorts'),
    logicModel: z.object({
      input: stageSchema,
      activity: stageSchema,
      output: stageSchema,
      shortTermOutcome: stageSchema,
      midTermOutcome: stageSchema,
      impact: stageSchema,
    }),
    dataRequirements: z.object({
      consentWordingJa: z.string().min(1),
      consentWordingEn: z.string().min(1),
      fields: z.array(dataFieldSchema).min(1),
    }),
    studySpecs: z.array(studySpecVersionSchema).min(1, 'register a study spec before the first call opens'),
  })
  .superRefine((programme, context) => {
    programme.studySpecs.forEach((spec, index) => {
      if (spec.version !== index + 1) {
        context.addIssue({ code: 'custom', path: ['studySpecs', index, 'version'], message: `versions must run 1, 2, 3…; found ${spec.version} at position ${index + 1}` });
      }
    });
    const fieldsOf = (file: 'applicants' | 'outcomes') =>
      new Set(programme.dataRequirements.fields.filter((field) => field.file === file).map((field) => field.name));
    const collected = { applicants: fieldsOf('applicants'), outcomes: fieldsOf('outcomes') };
    const requireCollected = (names: readonly string[], file: 'applicants' | 'outcomes', what: string, path: (string | number)[]) =>
      names.forEach((name, position) => {
        if (collected[file].has(name)) return;
        context.addIssue({
          code: 'custom',
          path: [...path, position],
          message: `${what} "${name}" is not a field of the ${file} file in dataRequirements; add the field or fix the name`,
        });
      });
    programme.studySpecs.forEach((spec, index) => {
      requireCollected(spec.covariates, 'applicants', 'covariate', ['studySpecs', index, 'covariates']);
      requireCollected(spec.outcomes, 'outcomes', 'outcome', ['studySpecs', index, 'outcomes']);
    });
    const ids = new Set<string>();
    for (const stage of LOGIC_MODEL_STAGE_KEYS) {
      programme.logicModel[stage].forEach((indicator, index) => {
        if (ids.has(indicator.id)) {
          context.addIssue({ code: 'custom', path: ['logicModel', stage, index, 'id'], message: `indicator id "${indicator.id}" is used twice; ids must be unique in a programme` });
        }
        ids.add(indicator.id);
      });
    }
  });

export type IndicatorClassList = z.output<typeof indicatorClassListSchema>;
export type Indicator = z.output<typeof indicatorSchema>;
export type ProgrammeFile = z.output<typeof programmeFileSchema>;
export type LogicModelStageKey = (typeof LOGIC_MODEL_STAGE_KEYS)[number];
