/**
 * Runs the numbered migrations forward; safe to call on every start (already-applied ones are skipped,
 * and Kysely's advisory lock keeps two workers from migrating at once).
 */
import { Migrator, type Kysely, type Migration, type MigrationResult, type MigrationResultSet } from 'kysely';
import type { Database } from './database.js';
import * as schemas from './migrations/0001_schemas.js';
import * as rawInput from './migrations/0002_raw_input.js';
import * as coreModel from './migrations/0003_core_model.js';
import * as results from './migrations/0004_results.js';
import * as biViews from './migrations/0005_bi_views.js';
import * as biReaderRole from './migrations/0006_bi_reader_role.js';
import * as publicEffectsByYear from './migrations/0007_public_effects_by_year.js';
import * as setBasedReferenceChecks from './migrations/0008_set_based_reference_checks.js';
import * as publicEventStudy from './migrations/0009_public_event_study.js';
import * as publicEffectEstimates from './migrations/0010_public_effect_estimates.js';
import * as unitsAndDeclaredOutcomes from './migrations/0011_units_and_declared_outcomes.js';
import * as replacementAndConsentWithdrawal from './migrations/0012_replacement_and_consent_withdrawal.js';
import * as exploratoryRuns from './migrations/0013_exploratory_runs.js';
import * as effectSensitivity from './migrations/0014_effect_sensitivity.js';
import * as publicEffectSensitivity from './migrations/0015_public_effect_sensitivity.js';
import * as designs from './migrations/0016_designs.js';
import * as baselineMoments from './migrations/0017_baseline_moments.js';
import * as programmeHeadline from './migrations/0018_programme_headline.js';
import * as disclosureByFirms from './migrations/0019_disclosure_by_firms.js';
import * as sensitivityOpenIntervals from './migrations/0020_sensitivity_open_intervals.js';
import * as designDiagnostics from './migrations/0021_design_diagnostics.js';
import * as rdUnitsWithinBandwidth from './migrations/0022_rd_units_within_bandwidth.js';
import * as fileIdentityAndReading from './migrations/0024_file_identity_and_reading.js';
import * as reviewSheets from './migrations/0025_review_sheets.js';
import * as reviewFindings from './migrations/0026_review_findings.js';
import * as specRegistrationLog from './migrations/0027_spec_registration_log.js';
import * as registrationInEffectEstimates from './migrations/0028_registration_in_effect_estimates.js';
import * as reviewLogicModelNodes from './migrations/0030_review_logic_model_nodes.js';
import * as reviewFindingsMaterialized from './migrations/0031_review_findings_materialized.js';
import * as inputFileLoadedBy from './migrations/0032_input_file_loaded_by.js';
import * as reviewRowsCheckedPerStatement from './migrations/0033_review_rows_checked_per_statement.js';
import * as reviewIndicatorValuesMaterialized from './migrations/0034_review_indicator_values_materialized.js';
import * as outcomesCopiedStraightIn from './migrations/0035_outcomes_copied_straight_in.js';
import * as referenceChecksOnDistinctValues from './migrations/0036_reference_checks_on_distinct_values.js';
import * as outcomesPartitionedByProgramme from './migrations/0037_outcomes_partitioned_by_programme.js';
import * as reviewProjectsDepartment from './migrations/0038_review_projects_department.js';
import * as reviewIndicatorValuesLoaded from './migrations/0039_review_indicator_values_loaded.js';
import * as reviewFindingsReadIndicatorValues from './migrations/0040_review_findings_read_indicator_values.js';
import * as reviewFindingsByReviewYear from './migrations/0041_review_findings_by_review_year.js';
import * as reviewFindingsDue from './migrations/0042_review_findings_due.js';
import * as reviewSheetFileHistory from './migrations/0043_review_sheet_file_history.js';
import * as reviewSheetSyntheticFiles from './migrations/0044_review_sheet_synthetic_files.js';
import * as reviewIndicatorsLoaded from './migrations/0045_review_indicators_loaded.js';
import * as reviewPayeesBlockNamesJoined from './migrations/0046_review_payees_block_names_joined.js';
import * as reviewRowsIndexedNotKeyed from './migrations/0047_review_rows_indexed_not_keyed.js';
import * as reviewLogicModelNodesMarked from './migrations/0048_review_logic_model_nodes_marked.js';
import * as applicationsPartitionedByProgramme from './migrations/0049_applications_partitioned_by_programme.js';
import * as corporateNumbersCheckedWithoutRegex from './migrations/0050_corporate_numbers_checked_without_regex.js';
import * as reviewRowsIndexedByBlockRange from './migrations/0051_review_rows_indexed_by_block_range.js';
import * as reviewIndicatorsWithTarget from './migrations/0052_review_indicators_with_target.js';
import * as outcomeMeasuresTyped from './migrations/0053_outcome_measures_typed.js';
import * as keysLedByUnit from './migrations/0054_keys_led_by_unit.js';

/** Every migration by name; sql/migration-names.ts lists the same names (a test keeps them equal). */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_schemas': schemas,
  '0002_raw_input': rawInput,
  '0003_core_model': coreModel,
  '0004_results': results,
  '0005_bi_views': biViews,
  '0006_bi_reader_role': biReaderRole,
  '0007_public_effects_by_year': publicEffectsByYear,
  '0008_set_based_reference_checks': setBasedReferenceChecks,
  '0009_public_event_study': publicEventStudy,
  '0010_public_effect_estimates': publicEffectEstimates,
  '0011_units_and_declared_outcomes': unitsAndDeclaredOutcomes,
  '0012_replacement_and_consent_withdrawal': replacementAndConsentWithdrawal,
  '0013_exploratory_runs': exploratoryRuns,
  '0014_effect_sensitivity': effectSensitivity,
  '0015_public_effect_sensitivity': publicEffectSensitivity,
  '0016_designs': designs,
  '0017_baseline_moments': baselineMoments,
  '0018_programme_headline': programmeHeadline,
  '0019_disclosure_by_firms': disclosureByFirms,
  '0020_sensitivity_open_intervals': sensitivityOpenIntervals,
  '0021_design_diagnostics': designDiagnostics,
  '0022_rd_units_within_bandwidth': rdUnitsWithinBandwidth,
  '0024_file_identity_and_reading': fileIdentityAndReading,
  '0025_review_sheets': reviewSheets,
  '0026_review_findings': reviewFindings,
  '0027_spec_registration_log': specRegistrationLog,
  '0028_registration_in_effect_estimates': registrationInEffectEstimates,
  '0030_review_logic_model_nodes': reviewLogicModelNodes,
  '0031_review_findings_materialized': reviewFindingsMaterialized,
  '0032_input_file_loaded_by': inputFileLoadedBy,
  '0033_review_rows_checked_per_statement': reviewRowsCheckedPerStatement,
  '0034_review_indicator_values_materialized': reviewIndicatorValuesMaterialized,
  '0035_outcomes_copied_straight_in': outcomesCopiedStraightIn,
  '0036_reference_checks_on_distinct_values': referenceChecksOnDistinctValues,
  '0037_outcomes_partitioned_by_programme': outcomesPartitionedByProgramme,
  '0038_review_projects_department': reviewProjectsDepartment,
  '0039_review_indicator_values_loaded': reviewIndicatorValuesLoaded,
  '0040_review_findings_read_indicator_values': reviewFindingsReadIndicatorValues,
  '0041_review_findings_by_review_year': reviewFindingsByReviewYear,
  '0042_review_findings_due': reviewFindingsDue,
  '0043_review_sheet_file_history': reviewSheetFileHistory,
  '0044_review_sheet_synthetic_files': reviewSheetSyntheticFiles,
  '0045_review_indicators_loaded': reviewIndicatorsLoaded,
  '0046_review_payees_block_names_joined': reviewPayeesBlockNamesJoined,
  '0047_review_rows_indexed_not_keyed': reviewRowsIndexedNotKeyed,
  '0048_review_logic_model_nodes_marked': reviewLogicModelNodesMarked,
  '0049_applications_partitioned_by_programme': applicationsPartitionedByProgramme,
  '0050_corporate_numbers_checked_without_regex': corporateNumbersCheckedWithoutRegex,
  '0051_review_rows_indexed_by_block_range': reviewRowsIndexedByBlockRange,
  '0052_review_indicators_with_target': reviewIndicatorsWithTarget,
  '0053_outcome_measures_typed': outcomeMeasuresTyped,
  '0054_keys_led_by_unit': keysLedByUnit,
};

export class MigrationFailedError extends Error {
  constructor(
    readonly migrationName: string,
    cause: unknown,
  ) {
    super(`migration ${migrationName} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationFailedError';
  }
}

function migratorFor(db: Kysely<Database>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableSchema: 'public',
    migrationTableName: 'ebpm_migrations',
    migrationLockTableName: 'ebpm_migrations_lock',
  });
}

function resultsOrThrow({ error, results }: MigrationResultSet): readonly MigrationResult[] {
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new MigrationFailedError(failed?.migrationName ?? 'unknown', error);
  }
  return results ?? [];
}

export async function migrateToLatest(db: Kysely<Database>): Promise<readonly MigrationResult[]> {
  return resultsOrThrow(await migratorFor(db).migrateToLatest());
}

/** Migrates up or down to the named migration (tests of a migration start from the one before it). */
export async function migrateTo(db: Kysely<Database>, migrationName: string): Promise<readonly MigrationResult[]> {
  return resultsOrThrow(await migratorFor(db).migrateTo(migrationName));
}
