/** Writes the catalogue's programme and indicator definitions into core tables, so results can reference them. */
import type { Kysely } from 'kysely';
import { CatalogueValidationError, getProgramme, InvalidProgrammeError, loadCatalogue, UnknownProgrammeError, type Programme } from '../programmes/catalogue.js';
import { LOGIC_MODEL_STAGE_KEYS, LOGIC_MODEL_STAGE_NAMES } from '../schemas/catalogue.js';
import type { Database } from '../sql/database.js';
import { permanentFailure } from './activity-context.js';

export function programmeOrFailure(programmeId: string): Programme {
  try {
    return getProgramme(programmeId);
  } catch (error) {
    if (error instanceof UnknownProgrammeError) throw permanentFailure('UnknownProgramme', error.message);
    if (error instanceof InvalidProgrammeError) throw permanentFailure('InvalidProgramme', error.message);
    if (error instanceof CatalogueValidationError) throw permanentFailure('InvalidCatalogue', `${error.message}\nFix the catalogue (see \`ebpm programmes validate\`) before evaluating.`);
    throw error;
  }
}

export function createProgrammeRegistryActivities(db: Kysely<Database>) {
  return {
    /**
     * Reads the catalogue afresh and returns the ids of the programmes that validate. A programme file with a
     * problem no longer stops the run (see invalidProgrammes); only an unreadable base catalogue does.
     */
    async validateCatalogue(): Promise<string[]> {
      try {
        return loadCatalogue().programmes.map((programme) => programme.id);
      } catch (error) {
        if (error instanceof CatalogueValidationError) throw permanentFailure('InvalidCatalogue', `${error.message}\nFix it (see \`ebpm programmes validate\`); nothing was evaluated.`);
        throw error;
      }
    },

    /** The programme files of the catalogue that do not validate, each with its problems: a scheduled run names them as failed. */
    async invalidProgrammes(): Promise<{ programmeId: string; error: string }[]> {
      try {
        return loadCatalogue().broken.map((broken) => ({ programmeId: broken.programmeId, error: new InvalidProgrammeError(broken).message }));
      } catch (error) {
        if (error instanceof CatalogueValidationError) throw permanentFailure('InvalidCatalogue', `${error.message}\nFix it (see \`ebpm programmes validate\`); nothing was evaluated.`);
        throw error;
      }
    },

    async registerProgramme(programmeId: string): Promise<void> {
      const programme = programmeOrFailure(programmeId);
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('core.programmes')
          .values({ programme_id: programme.id, name_ja: programme.nameJa, name_en: programme.nameEn, ministry: programme.ministry })
          .onConflict((conflict) =>
            conflict.column('programme_id').doUpdateSet({ name_ja: programme.nameJa, name_en: programme.nameEn, ministry: programme.ministry }),
          )
          .execute();
        const indicators = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.file.logicModel[stage].map((indicator) => ({ stage, indicator })));
        await trx
          .insertInto('core.indicators')
          .values(
            indicators.map(({ stage, indicator }, index) => ({
              programme_id: programme.id,
              indicator_id: indicator.id,
              stage: LOGIC_MODEL_STAGE_NAMES[stage],
              name_ja: indicator.nameJa,
              name_en: indicator.nameEn,
              unit: indicator.unit,
              display_order: index + 1,
              indicator_class: indicator.indicatorClass,
              direction: indicator.direction,
              definition: indicator.definition,
              data_source: indicator.dataSource,
              baseline_value: indicator.baseline?.value ?? null,
              baseline_fiscal_year: indicator.baseline?.fiscalYear ?? null,
              target_value: indicator.target.value,
              target_fiscal_year: indicator.target.fiscalYear,
              computed: indicator.computation !== undefined,
            })),
          )
          .onConflict((conflict) =>
            conflict.columns(['programme_id', 'indicator_id']).doUpdateSet((eb) => ({
              stage: eb.ref('excluded.stage'),
              name_ja: eb.ref('excluded.name_ja'),
              name_en: eb.ref('excluded.name_en'),
              unit: eb.ref('excluded.unit'),
              display_order: eb.ref('excluded.display_order'),
              indicator_class: eb.ref('excluded.indicator_class'),
              direction: eb.ref('excluded.direction'),
              definition: eb.ref('excluded.definition'),
              data_source: eb.ref('excluded.data_source'),
              baseline_value: eb.ref('excluded.baseline_value'),
              baseline_fiscal_year: eb.ref('excluded.baseline_fiscal_year'),
              target_value: eb.ref('excluded.target_value'),
              target_fiscal_year: eb.ref('excluded.target_fiscal_year'),
              computed: eb.ref('excluded.computed'),
            })),
          )
          .execute();
      });
    },
  };
}
