/**
 * The programme catalogue as data: one JSON file per programme (logic model, indicators, call rounds,
 * budget lines, data requirements and the versions of its pre-registered study spec), plus one file with
 * the classes of the ministry's outcome-indicator guide. Validated here once, when the catalogue is read.
 */
import { z } from 'zod';
import { kpiComputationSchema, type KpiComputation } from './kpi-definition.js';
import { LOGIC_MODEL_STAGE_KEYS } from './logic-model-stages.js';
import { provenance } from './provenance.js';
import { studySpecVersionSchema } from './study-spec.js';
import { syntheticProfileSchema } from './synthetic-profile.js';
import { UNIT_KEY_COLUMNS, UNITS_OF_ANALYSIS } from './unit-of-analysis.js';

const isoDate = z.iso.date({ error: 'must be a date in YYYY-MM-DD form' });
const fiscalYear = z.number().int().min(1990).max(2100);

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

export { LOGIC_MODEL_STAGE_KEYS, LOGIC_MODEL_STAGE_NAMES } from './logic-model-stages.js';

const measuredValue = z.object({ value: z.number(), fiscalYear, provenance });

/**
 * What a target's figure is over the programme's awarded units, so that it can be put on the scale of an effect
 * per unit (the design's minimum detectable effect) before the two are compared:
 * - `programme_total`: a sum or count over all awarded units (`op.sum`, `op.count`), e.g. t/年 avoided by every
 *   project together;
 * - `mean_per_unit`: a mean over the awarded units (`op.mean`), e.g. 万円/人 of the average supported firm;
 * - `share`: a percentage of the awarded units (`100 * op.mean` of a 0/1 outcome), e.g. % of firms that…;
 * - `best_unit`: the largest or smallest unit's value (`op.max`, `op.min`), which no average effect speaks to.
 */
export const TARGET_SCALES = ['programme_total', 'mean_per_unit', 'share', 'best_unit'] as const;
export type TargetScale = (typeof TARGET_SCALES)[number];

const targetValue = measuredValue.extend({
  /** Required when the indicator is computed from the outcome file (see indicatorSchema); optional otherwise. */
  scale: z.enum(TARGET_SCALES, { error: `scale must be one of ${TARGET_SCALES.join(', ')}` }).optional(),
});

/** The scales an aggregate of a KPI expression can give: op.sum is a programme total, op.mean a mean or a share, … */
const SCALES_OF_AGGREGATE: Readonly<Record<string, readonly TargetScale[]>> = {
  sum: ['programme_total'],
  count: ['programme_total'],
  distinct: ['programme_total'],
  mean: ['mean_per_unit', 'share'],
  average: ['mean_per_unit', 'share'],
  max: ['best_unit'],
  min: ['best_unit'],
};

/** The aggregates (op.sum, op.mean, …) a KPI expression calls, by name. */
export function aggregatesOf(expression: string): string[] {
  return [...new Set([...expression.matchAll(/\bop\.([a-z_]+)\s*\(/gi)].map((match) => match[1].toLowerCase()))];
}

/**
 * The target's scale, checked against how the indicator is computed: required when it is computed from the outcome
 * file (those targets are read against the design's MDE, per unit), and where the expression has one aggregate,
 * the scale must be one that aggregate gives (a share also needs the unit %).
 */
function checkTargetScale(indicator: { readonly unit: string; readonly target: z.output<typeof targetValue>; readonly computation?: KpiComputation }, context: z.RefinementCtx): void {
  const computation = indicator.computation;
  const scale = indicator.target.scale;
  const aggregates = computation && computation.source !== 'statistics' ? aggregatesOf(computation.value) : [];
  const fitting = aggregates.length === 1 ? SCALES_OF_AGGREGATE[aggregates[0]] : undefined;
  if (scale === undefined) {
    if (computation?.source !== 'outcomes') return;
    context.addIssue({
      code: 'custom',
      path: ['target', 'scale'],
      message: `say what the target is over the awarded units: scale ${TARGET_SCALES.map((s) => `"${s}"`).join(', ')}${fitting ? ` (the value is op.${aggregates[0]}, so ${fitting.map((s) => `"${s}"`).join(' or ')})` : ''}; the design's MDE is per unit, and a programme total must be divided by the awarded units before the two are compared`,
    });
    return;
  }
  if (fitting && !fitting.includes(scale)) {
    context.addIssue({ code: 'custom', path: ['target', 'scale'], message: `scale "${scale}" does not fit the value's op.${aggregates[0]}, which gives ${fitting.map((s) => `"${s}"`).join(' or ')}; fix the scale or the expression` });
  }
  if (scale === 'share' && indicator.unit !== '%') {
    context.addIssue({ code: 'custom', path: ['target', 'scale'], message: `a share is a percentage of the awarded units, so its unit is "%", not "${indicator.unit}"; use mean_per_unit for a mean of a measure` });
  }
}

const reviewSheetProjectId = z.number().int().positive('a 予算事業ID is a positive whole number, as in the RS system\'s 予算事業ID column');

/**
 * The indicator of the published review sheet (table 3-1) that this indicator is, named as the sheet names it: the
 * project's 予算事業ID, the node's kind and number (アウトプット3 is output 3; numbers restart per kind, and an
 * outcome's per term), for an outcome its term (短期 short, 中期 mid, 長期 long) and, for a node with several
 * indicators, which one (1 for the first). The report compares their targets.
 *
 * With a term, `indicator` counts the indicators of that one node, as the report labels them (#2). Without one (as
 * catalogues written before the term was accepted name outcomes, and for an outcome the sheet gives no term), it
 * counts across the outcome number's terms, as the loader numbers them: 短期アウトカム2's only indicator is 1 and
 * 長期アウトカム2's is 2.
 */
export const reviewSheetIndicatorSchema = z
  .object({
    projectId: reviewSheetProjectId,
    nodeKind: z.enum(['output', 'outcome'], { error: 'nodeKind is output (アウトプット) or outcome (アウトカム): only these carry indicators in 3-1' }),
    nodeNumber: z.number().int().positive('the node number as the sheet gives it (アクティビティ・アウトプット・アウトカムの番号)'),
    term: z.enum(['short', 'mid', 'long'], { error: 'term is short (短期), mid (中期) or long (長期), as the sheet\'s アウトカムの期間 gives it' }).optional(),
    indicator: z.number().int().positive().default(1),
  })
  .refine((reference) => reference.term === undefined || reference.nodeKind === 'outcome', {
    path: ['term'],
    message: 'only an outcome has a term (アウトカムの期間); remove term from this output reference',
  });

export type ReviewSheetIndicatorReference = z.infer<typeof reviewSheetIndicatorSchema>;

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
    target: targetValue,
    /** How the pipeline gets the value: computed from the loaded records, or read from a statistics file. */
    computation: kpiComputationSchema.optional(),
    /** For an indicator the pipeline cannot get: why, and where a reader finds it instead. */
    notComputed: z.object({ reason: z.string().min(1), source: z.string().min(1) }).optional(),
    /** The same indicator in the published review sheet, when its name there differs (absent: matched by name). */
    reviewSheetIndicator: reviewSheetIndicatorSchema.optional(),
  })
  .superRefine((indicator, context) => {
    checkTargetScale(indicator, context);
    if ((indicator.computation === undefined) === (indicator.notComputed === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['computation'],
        message: 'give either a computation (from applications, outcomes or statistics) or notComputed { reason, source } saying why the pipeline cannot get it',
      });
    }
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
  .object({
    round: z.number().int().positive(),
    opens: isoDate,
    closes: isoDate,
    awardFiscalYear: fiscalYear,
    /** The review score from which applications of this round were awarded (for a regression-discontinuity design; absent when awards were not made by a cut-off). */
    reviewCutoff: z.number().optional(),
    provenance,
  })
  .refine((round) => round.opens <= round.closes, { error: 'the call closes before it opens; check opens and closes', path: ['closes'] });

/** A follow-up measure: how its values are read, stored and generated. */
export const measureSchema = z
  .object({
    type: z.enum(['number', 'integer']),
    unit: z.string().min(1),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .refine((measure) => measure.min === undefined || measure.max === undefined || measure.min <= measure.max, { error: 'min is above max', path: ['max'] });

/**
 * A declared data field's name: lower-case letters, digits and underscores. Not a name every JavaScript object
 * already has (constructor): a row read from a file is an object, and an optional column of that name that a file
 * lacks would read as the inherited function instead of as empty.
 */
const declaredName = () =>
  z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .refine((name) => !(name in Object.prototype), { error: (issue) => `"${String(issue.input)}" is a name every JavaScript object already has; choose another` });

export const dataFieldSchema = z.object({
  file: z.enum(['applicants', 'outcomes']),
  name: declaredName(),
  /** The column's name in the application system's Japanese export (法人番号, 申請回, …): read like the English name. */
  nameJa: z.string().min(1),
  description: z.string().min(1),
  format: z.string().min(1),
  required: z.boolean(),
  /** Personal data: stored apart and never shown to BI users. */
  personal: z.boolean(),
  /** For the outcome file's measures (every column but the unit key and fiscal_year): type, unit and allowed range. */
  measure: measureSchema.optional(),
});

/** Applicant fields that ad-hoc subgroup analyses can read, where ebpm stores each. */
export const SUBGROUP_SOURCES = ['industry_code', 'prefecture_code', 'call_round', 'employees', 'site_kind'] as const;

/**
 * An applicant characteristic analysts may split or filter an ad-hoc study by (`--subgroup`, `--by`): read from
 * an applicant-file field as its value, or banded when `bands` is given (e.g. employees into size bands).
 */
export const subgroupFieldSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    from: z.enum(SUBGROUP_SOURCES),
    labelEn: z.string().min(1),
    /** Upper bounds (inclusive) of each band but the last, ascending, and a label for every band. */
    bands: z.object({ upperBounds: z.array(z.number()).min(1), labels: z.array(z.string().min(1)) }).optional(),
  })
  .refine((field) => !field.bands || field.bands.labels.length === field.bands.upperBounds.length + 1, {
    error: 'bands need one label more than upper bounds',
    path: ['bands', 'labels'],
  })
  .refine((field) => !field.bands || field.bands.upperBounds.every((bound, i, all) => i === 0 || all[i - 1] < bound), {
    error: 'band upper bounds must ascend',
    path: ['bands', 'upperBounds'],
  });

export type SubgroupField = z.output<typeof subgroupFieldSchema>;

/**
 * The call a study is planned for, as its scenario states it before the call opens: how many apply, what
 * share is awarded, over how many yearly rounds, how many years of outcomes before the first award and
 * after the last, and each outcome's spread and year-to-year correlation. `ebpm programmes power` finds the
 * minimum detectable effect from it.
 */
export const plannedCallSchema = z.object({
  expectedApplicants: z.number().int().min(20, 'expectedApplicants: a call of fewer than 20 applicants cannot carry a staggered DiD'),
  awardShare: z.number().gt(0).lt(1),
  rounds: z.number().int().positive(),
  preAwardYears: z.number().int().min(2, 'preAwardYears: the design needs at least two years before the first award'),
  followUpYears: z.number().int().positive(),
  outcomes: z.record(
    z.string(),
    z.object({ sd: z.number().positive(), yearToYearCorrelation: z.number().min(0).lt(1), provenance }),
  ),
  provenance,
});

export type PlannedCall = z.output<typeof plannedCallSchema>;

/**
 * A programme file's schema before the shorthand below is written out: exported for its parts (`.shape`); parse
 * programme files with programmeFileSchema.
 */
export const programmeObjectSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'ids are kebab-case, e.g. sme-labour-saving'),
    nameJa: z.string().min(1),
    nameEn: z.string().min(1),
    ministry: z.string().min(1),
    kindOfSupport: z.string().min(1),
    unitOfAnalysis: z.enum(UNITS_OF_ANALYSIS),
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
    /** Applicant characteristics ad-hoc studies may use as subgroups (absent: none). */
    subgroupFields: z.array(subgroupFieldSchema).default([]),
    /** The call the design is planned for, for the minimum detectable effect (absent: not declared). */
    plannedCall: plannedCallSchema.optional(),
    /** How `ebpm generate` draws its synthetic data (absent, or in part: derived from the declared fields; see README). */
    syntheticProfile: syntheticProfileSchema.optional(),
    /**
     * The programme's projects in the published 行政事業レビュー sheets (予算事業ID, the key across review years):
     * its report shows their official logic model, targets, actuals and budget beside the pre-registered ones.
     */
    reviewSheetProjects: z
      .array(
        z.object({
          projectId: reviewSheetProjectId,
          provenance,
        }),
      )
      .default([])
      .refine(
        (projects) => new Set(projects.map((project) => project.projectId)).size === projects.length,
        'a 予算事業ID is listed twice (in reviewSheetProjects, reviewSheetProjectIds or both); list each project once',
      ),
    /**
     * The same projects by 予算事業ID alone (`"reviewSheetProjectIds": [3522]`), as issue 32 names the field: written
     * into reviewSheetProjects before the file is checked (withReviewSheetProjectIds), so it is absent from a parsed
     * file. Declared here so that a value that is not a list of 予算事業IDs is refused under its own name.
     */
    reviewSheetProjectIds: z.array(reviewSheetProjectId).optional(),
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
    });
    checkDesigns(programme, context, collected.applicants.has('review_score'));
    requireCollected(programme.subgroupFields.map((field) => field.from), 'applicants', 'subgroup source', ['subgroupFields']);
    const subgroupNames = new Set<string>();
    programme.subgroupFields.forEach((field, index) => {
      if (subgroupNames.has(field.name)) context.addIssue({ code: 'custom', path: ['subgroupFields', index, 'name'], message: `subgroup field "${field.name}" is declared twice` });
      subgroupNames.add(field.name);
    });
    checkDeclaredFiles(programme, context);
    checkSyntheticProfile(programme, context);
    checkReviewSheetIndicators(programme, context);
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

interface ProgrammeDraft {
  readonly unitOfAnalysis: (typeof UNITS_OF_ANALYSIS)[number];
  readonly logicModel: Record<(typeof LOGIC_MODEL_STAGE_KEYS)[number], readonly z.output<typeof indicatorSchema>[]>;
  readonly dataRequirements: { readonly fields: readonly z.output<typeof dataFieldSchema>[] };
  readonly studySpecs: readonly z.output<typeof studySpecVersionSchema>[];
}

/**
 * Each design the latest spec names must be for one of its outcomes and have what it needs: a review-score
 * design needs the applicant file's review_score and every call round's cut-off.
 */
function checkDesigns(programme: Pick<ProgrammeDraft, 'studySpecs'> & { readonly callRounds: readonly { round: number; reviewCutoff?: number }[] }, context: z.RefinementCtx, collectsReviewScore: boolean): void {
  const latestIndex = programme.studySpecs.length - 1;
  const latest = programme.studySpecs[latestIndex];
  for (const [outcome, design] of Object.entries(latest?.designs ?? {})) {
    const path = ['studySpecs', latestIndex, 'designs', outcome];
    if (!latest.outcomes.includes(outcome)) {
      context.addIssue({ code: 'custom', path, message: `a design is given for "${outcome}", which is not one of the spec's outcomes (${latest.outcomes.join(', ')}); fix the name or add the outcome` });
    }
    if (design.design !== 'rd_review_score') continue;
    if (!collectsReviewScore) {
      context.addIssue({ code: 'custom', path, message: 'rd_review_score needs the applicants\' review scores: declare "review_score" as an applicant field in dataRequirements' });
    }
    const withoutCutoff = programme.callRounds.filter((round) => round.reviewCutoff === undefined).map((round) => round.round);
    if (withoutCutoff.length) {
      context.addIssue({ code: 'custom', path, message: `rd_review_score needs each call round's reviewCutoff; call round(s) ${withoutCutoff.join(', ')} have none` });
    }
  }
}

/**
 * Each review-sheet reference names one of the programme's reviewSheetProjects, and no sheet indicator twice. An
 * outcome number is named either always with its term or always without: the two forms count indicators differently
 * (reviewSheetIndicatorSchema), so one sheet indicator could otherwise be named twice without the keys being equal.
 */
function checkReviewSheetIndicators(
  programme: Pick<ProgrammeDraft, 'logicModel'> & { readonly reviewSheetProjects: readonly { projectId: number }[] },
  context: z.RefinementCtx,
): void {
  const projects = new Set(programme.reviewSheetProjects.map((project) => project.projectId));
  const referenced = new Map<string, string>();
  /** Per project and outcome number: the first reference's indicator id and whether it gave a term. */
  const outcomeForms = new Map<string, { id: string; withTerm: boolean }>();
  for (const stage of LOGIC_MODEL_STAGE_KEYS) {
    programme.logicModel[stage].forEach((indicator, index) => {
      const reference = indicator.reviewSheetIndicator;
      if (!reference) return;
      const path = ['logicModel', stage, index, 'reviewSheetIndicator'];
      if (reference.nodeKind === 'outcome') {
        const outcome = `${reference.projectId}:${reference.nodeNumber}`;
        const first = outcomeForms.get(outcome);
        const withTerm = reference.term !== undefined;
        if (!first) outcomeForms.set(outcome, { id: indicator.id, withTerm });
        else if (first.withTerm !== withTerm) {
          context.addIssue({
            code: 'custom',
            path: [...path, 'term'],
            message: `"${indicator.id}" names 予算事業ID ${reference.projectId}'s outcome ${reference.nodeNumber} ${withTerm ? 'with' : 'without'} a term and "${first.id}" ${first.withTerm ? 'with' : 'without'} one; give every reference to that outcome its term (short, mid or long), so that each names one node`,
          });
        }
      }
      if (!projects.has(reference.projectId)) {
        context.addIssue({ code: 'custom', path: [...path, 'projectId'], message: `予算事業ID ${reference.projectId} is not one of the programme's reviewSheetProjects; add it there or fix the id` });
      }
      const key = `${reference.projectId}:${reference.nodeKind}:${reference.term ?? ''}:${reference.nodeNumber}:${reference.indicator}`;
      const earlier = referenced.get(key);
      if (earlier) context.addIssue({ code: 'custom', path, message: `"${indicator.id}" names the same review-sheet indicator as "${earlier}"; each sheet indicator is one indicator of the logic model` });
      else referenced.set(key, indicator.id);
    });
  }
}

/** Stages whose indicators an effect estimate can measure. */
const OUTCOME_STAGES = ['shortTermOutcome', 'midTermOutcome', 'impact'] as const;

/**
 * The files a programme declares must fit its unit of analysis: both files keyed by the unit's id, every
 * other outcome column a measure, and the latest study spec estimating required measures, each tied to an
 * outcome indicator of the logic model. Earlier spec versions are left as registered: they stay
 * reproducible from their runs' recorded inputs even after the declared fields change.
 */
function checkDeclaredFiles(programme: ProgrammeDraft, context: z.RefinementCtx): void {
  const fields = programme.dataRequirements.fields;
  const unitKey = UNIT_KEY_COLUMNS[programme.unitOfAnalysis];
  const at = (name: string, file: 'applicants' | 'outcomes') => fields.findIndex((field) => field.file === file && field.name === name);
  for (const file of ['applicants', 'outcomes'] as const) {
    if (at(unitKey, file) < 0 || !fields[at(unitKey, file)].required) {
      context.addIssue({ code: 'custom', path: ['dataRequirements', 'fields'], message: `a ${programme.unitOfAnalysis} programme's ${file} file is keyed by "${unitKey}": declare it as a required ${file} field` });
    }
  }
  if (at('fiscal_year', 'outcomes') < 0) context.addIssue({ code: 'custom', path: ['dataRequirements', 'fields'], message: 'declare the outcome file\'s "fiscal_year" field' });
  const japaneseNames = new Map<string, string>();
  fields.forEach((field, index) => {
    const isKey = field.file === 'outcomes' && (field.name === unitKey || field.name === 'fiscal_year');
    if (field.file === 'outcomes' && !isKey && !field.measure) {
      context.addIssue({ code: 'custom', path: ['dataRequirements', 'fields', index, 'measure'], message: `outcome field "${field.name}" needs a measure { type, unit, min?, max? }` });
    }
    if (field.measure && (field.file !== 'outcomes' || isKey)) {
      context.addIssue({ code: 'custom', path: ['dataRequirements', 'fields', index, 'measure'], message: `only the outcome file's measures carry a measure; remove it from "${field.name}"` });
    }
    const clash = japaneseNames.get(`${field.file}:${field.nameJa}`);
    if (clash) context.addIssue({ code: 'custom', path: ['dataRequirements', 'fields', index, 'nameJa'], message: `Japanese column name "${field.nameJa}" is also used by "${clash}" in the ${field.file} file` });
    japaneseNames.set(`${field.file}:${field.nameJa}`, field.name);
  });
  const latestIndex = programme.studySpecs.length - 1;
  const latest = programme.studySpecs[latestIndex];
  if (!latest) return;
  const outcomeIndicators = new Set(OUTCOME_STAGES.flatMap((stage) => programme.logicModel[stage].map((indicator) => indicator.id)));
  latest.outcomes.forEach((outcome, position) => {
    const field = fields[at(outcome, 'outcomes')];
    const path = ['studySpecs', latestIndex, 'outcomes', position];
    if (!field?.measure) {
      context.addIssue({ code: 'custom', path, message: `outcome "${outcome}" is not a measure of the outcome file in dataRequirements; add the field or fix the name` });
    } else if (!field.required) {
      context.addIssue({ code: 'custom', path, message: `outcome "${outcome}" is estimated, so every unit must report it: mark the field required` });
    }
    const indicator = latest.outcomeIndicators?.[outcome];
    if (!indicator || !outcomeIndicators.has(indicator)) {
      context.addIssue({
        code: 'custom',
        path: ['studySpecs', latestIndex, 'outcomeIndicators', outcome],
        message: `say which outcome indicator of the logic model "${outcome}" measures (one of ${[...outcomeIndicators].join(', ')})`,
      });
    }
  });
}

/** A synthetic profile describes only measures of the outcome file. */
function checkSyntheticProfile(programme: Pick<ProgrammeDraft, 'dataRequirements'> & { readonly syntheticProfile?: z.output<typeof syntheticProfileSchema> }, context: z.RefinementCtx): void {
  const measures = programme.dataRequirements.fields.filter((field) => field.file === 'outcomes' && field.measure).map((field) => field.name);
  for (const name of Object.keys(programme.syntheticProfile?.measures ?? {})) {
    if (measures.includes(name)) continue;
    context.addIssue({
      code: 'custom',
      path: ['syntheticProfile', 'measures', name],
      message: `"${name}" is not a measure of the outcome file in dataRequirements; use one of ${measures.join(', ')} or fix the name`,
    });
  }
}

/** The provenance recorded for a project named by reviewSheetProjectIds, which gives none of its own. */
export function shorthandProjectProvenance(projectId: number): string {
  return `予算事業ID ${projectId} as named in the catalogue file's reviewSheetProjectIds (the RS system's key across review years)`;
}

/**
 * `reviewSheetProjectIds: [N, …]` written out as reviewSheetProjects entries (after any listed there), each with
 * shorthandProjectProvenance, so that the checks (each project once, every reviewSheetIndicator naming one of them)
 * see one list. Anything else (not a list, or an element that is not a 予算事業ID) is left for the schema to refuse
 * under reviewSheetProjectIds; a catalogue that uses the shorthand is never read as naming no project.
 */
function withReviewSheetProjectIds(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !Object.hasOwn(input, 'reviewSheetProjectIds')) return input;
  const { reviewSheetProjectIds: ids, ...rest } = input as Record<string, unknown>;
  const listed = rest.reviewSheetProjects ?? [];
  if (!Array.isArray(ids) || !Array.isArray(listed) || !ids.every((id) => reviewSheetProjectId.safeParse(id).success)) return input;
  return { ...rest, reviewSheetProjects: [...listed, ...ids.map((projectId: number) => ({ projectId, provenance: shorthandProjectProvenance(projectId) }))] };
}

/** A programme file, read once at the catalogue's edge: the shorthand written out, then every check above. */
export const programmeFileSchema = z.preprocess(withReviewSheetProjectIds, programmeObjectSchema);

export type IndicatorClassList = z.output<typeof indicatorClassListSchema>;
export type Indicator = z.output<typeof indicatorSchema>;
/** A parsed programme file: the shorthand reviewSheetProjectIds is written out into reviewSheetProjects by then. */
export type ProgrammeFile = Omit<z.output<typeof programmeFileSchema>, 'reviewSheetProjectIds'>;
export type LogicModelStageKey = (typeof LOGIC_MODEL_STAGE_KEYS)[number];
export type DataField = z.output<typeof dataFieldSchema>;
