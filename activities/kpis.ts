/** Computes every logic-model indicator of a programme per fiscal year and stores the values for the run. */
import * as aq from 'arquero';
import type { Kysely } from 'kysely';
import { evaluateKpis, fiscalYearOfDate } from '../kpi/evaluate-kpis.js';
import { indicatorProgress, judgedYear } from '../kpi/progress.js';
import { LOGIC_MODEL_STAGE_KEYS } from '../schemas/catalogue.js';
import type { Database } from '../sql/database.js';
import { readOfficialStatistics, type RunDataCache } from './analysis-data.js';
import { firstAwardOfUnits } from '../analysis/effect-study.js';
import { whileHeartbeating } from './activity-context.js';
import { programmeOrFailure } from './programme-registry.js';
import type { KpiSummary, RunStepInput } from './contracts.js';
import type { ApplicationKpiColumn, OutcomeKpiColumn } from '../kpi/columns.js';

/** Exactly the columns kpi/columns.ts documents and validation accepts: a column missing or extra fails to compile. */
type KpiColumnValues<Column extends string> = Record<Column, ArrayLike<unknown>>;

export function createKpiActivities(db: Kysely<Database>, runData: RunDataCache) {
  return {
    computeKpis: (input: RunStepInput): Promise<KpiSummary> => whileHeartbeating(() => computeKpis(input)),
  };

  async function computeKpis(input: RunStepInput): Promise<KpiSummary> {
    const programme = programmeOrFailure(input.programmeId);
    const { applications, units, applicationUnits, outcomes, firms } = await runData.read(input.runKey, programme);
    // The effect step, waiting on the same read, hands its study to a compute thread: let it do so before the
    // KPIs hold this thread, so both proceed at once.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const statistics = await readOfficialStatistics(db, input.programmeId);
    // A measure not reported is null in KPI expressions. A column with no gap goes in as it is: copying it into an
    // array of boxed numbers cost a quarter of a second per 800,000 rows, for nothing.
    const present = (values: Float64Array): Float64Array | (number | null)[] =>
      values.some(Number.isNaN) ? Array.from(values, (value) => (Number.isNaN(value) ? null : value)) : values;
    // Ids enter the KPI tables as integer codes: KPI expressions only count them (the firms and units behind
    // each value), and counting 800,000 numbers took a fraction of the time counting the id strings did. A unit's
    // code is its index in the read's units; a firm's, the read's (RunFirmCodes).
    const applicationFirms = firms.ofApplication;
    // The firm behind a unit's outcomes: the applicant of its first application (the lead applicant or operator).
    const firmOfUnit = new Int32Array(units.length).fill(-1);
    for (let row = 0; row < applications.length; row++) if (firmOfUnit[applicationUnits[row]] < 0) firmOfUnit[applicationUnits[row]] = applicationFirms[row];
    const awardOfUnit = firstAwardOfUnits(applications, applicationUnits, units.length);
    const rows = outcomes.unit.length;
    const outcomeFirms = new Int32Array(rows);
    const awardOfOutcome: (number | null)[] = new Array(rows);
    const postAward: boolean[] = new Array(rows);
    const awarded: boolean[] = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const unit = outcomes.unit[i];
      const award = awardOfUnit[unit];
      outcomeFirms[i] = firmOfUnit[unit];
      awarded[i] = !Number.isNaN(award);
      awardOfOutcome[i] = awarded[i] ? award : null;
      postAward[i] = awarded[i] && outcomes.fiscalYear[i] >= award;
    }

    const applicationColumns: KpiColumnValues<ApplicationKpiColumn> = {
      unit_id: applicationUnits,
      corporate_number: applicationFirms,
      awarded: applications.map((a) => a.awarded),
      award_fiscal_year: applications.map((a) => a.awardFiscalYear),
      application_fiscal_year: applications.map((a) => fiscalYearOfDate(a.applicationDate)),
      subsidy_amount_yen: applications.map((a) => a.subsidyAmountYen),
      requested_amount_yen: applications.map((a) => a.requestedAmountYen),
      employees: applications.map((a) => a.employees),
    };
    const outcomeColumns: KpiColumnValues<OutcomeKpiColumn> = {
      unit_id: outcomes.unit,
      corporate_number: outcomeFirms,
      fiscal_year: outcomes.fiscalYear,
      awarded,
      award_fiscal_year: awardOfOutcome,
      post_award: postAward,
    };
    const records = {
      applications: aq.table(applicationColumns),
      // The declared outcome measures (kpi/columns.ts declaredOutcomeMeasures) join the fixed columns.
      outcomes: aq.table({
        unit_id: outcomeColumns.unit_id,
        corporate_number: outcomeColumns.corporate_number,
        fiscal_year: outcomeColumns.fiscal_year,
        ...Object.fromEntries(Object.entries(outcomes.measures).map(([name, values]) => [name, present(values)])),
        awarded: outcomeColumns.awarded,
        award_fiscal_year: outcomeColumns.award_fiscal_year,
        post_award: outcomeColumns.post_award,
      }),
    };
    // Consortium members count as firms behind a project's values, as they do behind its effect estimates.
    const values = evaluateKpis(programme.kpis, { records, statistics, membersOfUnit: firms.membersOfUnit });
    const latest = programme.kpis.flatMap((kpi) => {
      const ofKpi = values.filter((v) => v.indicatorId === kpi.id);
      const last = ofKpi[ofKpi.length - 1];
      return last ? [{ indicatorId: kpi.id, nameEn: kpi.nameEn, unit: kpi.unit, fiscalYear: last.fiscalYear, value: last.value }] : [];
    });
    const indicators = new Map(LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.file.logicModel[stage]).map((indicator) => [indicator.id, indicator]));
    // Progress is judged on the target year's own value once that year has one (kpi/progress.ts judgedYear), not on
    // a later year set against an earlier year's target.
    const progressRows = latest.flatMap((last) => {
      const indicator = indicators.get(last.indicatorId);
      if (!indicator) return [];
      const ofKpi = values.filter((v) => v.indicatorId === last.indicatorId);
      const year = judgedYear(ofKpi.map((v) => v.fiscalYear), indicator.target.fiscalYear);
      const judged = ofKpi.find((v) => v.fiscalYear === year);
      const kpi = judged ? { ...last, fiscalYear: judged.fiscalYear, value: judged.value } : last;
      const progress = indicatorProgress({
        direction: indicator.direction,
        baseline: indicator.baseline,
        target: indicator.target,
        latest: { value: kpi.value, fiscalYear: kpi.fiscalYear },
      });
      return [
        {
          run_key: input.runKey,
          programme_id: programme.id,
          indicator_id: kpi.indicatorId,
          fiscal_year: kpi.fiscalYear,
          value: kpi.value,
          share_achieved: progress.shareAchieved,
          expected_value: progress.expectedValue,
          on_track: progress.onTrack,
        },
      ];
    });
    // One transaction that first clears the run's rows: an attempt whose worker died after writing is retried
    // without duplicates.
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('results.kpi_values').where('run_key', '=', input.runKey).execute();
      await trx.deleteFrom('results.kpi_progress').where('run_key', '=', input.runKey).execute();
      if (values.length > 0) {
        await trx
          .insertInto('results.kpi_values')
          .values(values.map((v) => ({ run_key: input.runKey, programme_id: programme.id, indicator_id: v.indicatorId, fiscal_year: v.fiscalYear, value: v.value, firms: v.firms, units: v.units })))
          .execute();
      }
      if (progressRows.length) await trx.insertInto('results.kpi_progress').values(progressRows).execute();
    });
    return { indicators: programme.kpis.length, values: values.length, latest };
  }
}
