/** Runs the programme's pre-registered effect study and stores every estimate for the run. */
import type { Kysely } from 'kysely';
import { cohortsFromApplications, runEffectStudy } from '../analysis/effect-study.js';
import { studySpecSchema } from '../schemas/study-spec.js';
import { SingularMatrixError } from '../stats/linear-algebra.js';
import { PanelShapeError } from '../stats/panel.js';
import type { Database } from '../sql/database.js';
import { permanentFailure, reportProgress } from './activity-context.js';
import { readApplicantOutcomes, readConsentingApplications } from './analysis-data.js';
import { programmeOrFailure } from './programme-registry.js';
import type { EffectSummary, RunStepInput } from './contracts.js';

export function createEffectActivities(db: Kysely<Database>) {
  return {
    async estimateEffects(input: RunStepInput): Promise<EffectSummary> {
      const spec = studySpecSchema.parse(programmeOrFailure(input.programmeId).studySpec);
      const applications = await readConsentingApplications(db, input.programmeId);
      const outcomes = await readApplicantOutcomes(db, input.programmeId);
      reportProgress({ step: 'estimating', firms: applications.length, observations: outcomes.fiscalYear.length });
      let rows;
      try {
        rows = runEffectStudy(spec, cohortsFromApplications(applications), {
          corporateNumber: outcomes.corporateNumber,
          fiscalYear: outcomes.fiscalYear,
          measures: { labour_productivity: outcomes.labourProductivity, average_wage: outcomes.averageWage, employees: outcomes.employees },
        });
      } catch (error) {
        // Data problems (a singular design, an inconsistent panel) will not go away on retry.
        if (error instanceof SingularMatrixError || error instanceof PanelShapeError) throw permanentFailure(error.name, error.message);
        throw error;
      }
      await db
        .insertInto('results.effect_estimates')
        .values(
          rows.map((row) => ({
            run_key: input.runKey,
            programme_id: input.programmeId,
            outcome: row.outcome,
            estimator: row.estimator,
            term: row.term,
            event_time: row.eventTime,
            status: row.status,
            estimate: row.estimate,
            std_error: row.stdError,
            ci_low: row.ciLow,
            ci_high: row.ciHigh,
            p_value: row.pValue,
            confidence_level: row.confidenceLevel,
            treated_units: row.treatedUnits,
            comparison_units: row.comparisonUnits,
            observations: row.observations,
            note: row.note,
          })),
        )
        .execute();
      const overall = rows
        .filter((row) => row.eventTime === null)
        .map(({ outcome, estimator, status, estimate, stdError, ciLow, ciHigh, confidenceLevel, treatedUnits, comparisonUnits, note }) => ({
          outcome, estimator, status, estimate, stdError, ciLow, ciHigh, confidenceLevel, treatedUnits, comparisonUnits, note,
        }));
      return { rowsWritten: rows.length, overall };
    },
  };
}
