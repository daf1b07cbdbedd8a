/** Writes the catalogue's programme and indicator definitions into core tables, so results can reference them. */
import type { Kysely } from 'kysely';
import { getProgramme, UnknownProgrammeError } from '../programmes/catalogue.js';
import type { Programme } from '../programmes/programme.js';
import type { Database } from '../sql/database.js';
import { permanentFailure } from './activity-context.js';

export function programmeOrFailure(programmeId: string): Programme {
  try {
    return getProgramme(programmeId);
  } catch (error) {
    if (error instanceof UnknownProgrammeError) throw permanentFailure('UnknownProgramme', error.message);
    throw error;
  }
}

export function createProgrammeRegistryActivities(db: Kysely<Database>) {
  return {
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
        await trx
          .insertInto('core.indicators')
          .values(
            programme.kpis.map((kpi, index) => ({
              programme_id: programme.id,
              indicator_id: kpi.id,
              stage: kpi.stage,
              name_ja: kpi.nameJa,
              name_en: kpi.nameEn,
              unit: kpi.unit,
              display_order: index + 1,
            })),
          )
          .onConflict((conflict) =>
            conflict.columns(['programme_id', 'indicator_id']).doUpdateSet((eb) => ({
              stage: eb.ref('excluded.stage'),
              name_ja: eb.ref('excluded.name_ja'),
              name_en: eb.ref('excluded.name_en'),
              unit: eb.ref('excluded.unit'),
              display_order: eb.ref('excluded.display_order'),
            })),
          )
          .execute();
      });
    },
  };
}
