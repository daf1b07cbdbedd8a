/**
 * What one programme's sheet shows, read from the bi views of its variant: the public variant reads only the
 * public views (small cells withheld there), the internal variant the unsuppressed ones. Progress against the
 * target is computed here by kpi/progress.ts from the values read, so a withheld value can never leak through a
 * share achieved or an on-track flag, and the public file needs no view beyond bi.public_*.
 */
import { sql, type Kysely } from 'kysely';
import { indicatorProgress, judgedYear, type Progress } from '../../kpi/progress.js';
import type { Programme } from '../../programmes/catalogue.js';
import { LOGIC_MODEL_STAGE_KEYS, type ProgrammeFile } from '../../schemas/catalogue.js';
import type { Database } from '../../sql/database.js';

export type WorkbookVariant = 'public' | 'internal';
export type Indicator = ProgrammeFile['logicModel']['output'][number];

export interface KpiCell {
  readonly fiscalYear: number;
  /** Null when withheld (public variant) or not computed for that year. */
  readonly value: number | null;
  readonly suppressed: boolean;
}

export interface IndicatorProgress {
  readonly indicator: Indicator;
  readonly stage: (typeof LOGIC_MODEL_STAGE_KEYS)[number];
  readonly cells: ReadonlyMap<number, KpiCell>;
  /** The latest fiscal year with a row, whether its value is shown or withheld. */
  readonly latest: KpiCell | undefined;
  /**
   * The year the verdict is on (kpi/progress.ts judgedYear): the target year's own cell once the target year has
   * come, else the latest; shown or withheld.
   */
  readonly judged: KpiCell | undefined;
  /** Progress of the judged value; absent when there is none or it is withheld. */
  readonly progress: Progress | undefined;
}

/** One outcome's headline estimate as the variant's view holds it. */
export interface EffectRow {
  readonly outcome: string;
  readonly estimator: string;
  readonly design: string;
  readonly status: string;
  readonly estimate: number | null;
  readonly std_error: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
  readonly p_value: number | null;
  readonly confidence_level: number | null;
  /** Awarded units behind the estimate. */
  readonly units: number | null;
  readonly comparison_units: number | null;
  /** Distinct firms behind the estimate, where the view publishes them. */
  readonly firms: number | null;
  /** Why the estimate is withheld (public variant); null when shown. */
  readonly suppression: string | null;
  readonly note: string | null;
  readonly outcome_position: number | null;
  readonly is_programme_headline: boolean;
}

export interface ProgrammeSheetData {
  readonly years: readonly number[];
  readonly indicators: readonly IndicatorProgress[];
  /** The programme headline first, then the other outcomes' headline estimators in spec order. */
  readonly effects: readonly EffectRow[];
}

interface KpiViewRow {
  readonly indicator_id: string;
  readonly fiscal_year: number;
  readonly value: number | null;
  readonly suppressed: boolean;
}

async function readKpis(db: Kysely<Database>, programmeId: string, variant: WorkbookVariant): Promise<KpiViewRow[]> {
  const { rows } =
    variant === 'public'
      ? await sql<KpiViewRow>`
          SELECT indicator_id, fiscal_year, value, suppressed FROM bi.public_kpi_by_fiscal_year WHERE programme_id = ${programmeId}`.execute(db)
      : await sql<KpiViewRow>`
          SELECT indicator_id, fiscal_year, value, false AS suppressed FROM bi.kpi_by_fiscal_year WHERE programme_id = ${programmeId}`.execute(db);
  return rows;
}

async function readEffects(db: Kysely<Database>, programmeId: string, variant: WorkbookVariant): Promise<EffectRow[]> {
  // Each column by name: the public view's firms and units are separate counts (distinct firms, awarded units).
  const { rows } =
    variant === 'public'
      ? await sql<EffectRow>`
          SELECT outcome, estimator, design, status, estimate, std_error, ci_low, ci_high, p_value, confidence_level,
                 units, comparison_units, firms, suppression, note, outcome_position, is_programme_headline
            FROM bi.public_effect_estimates
           WHERE programme_id = ${programmeId} AND is_headline
           ORDER BY is_programme_headline DESC, outcome_position NULLS LAST, outcome`.execute(db)
      : await sql<EffectRow>`
          SELECT outcome, estimator, design, status, estimate, std_error, ci_low, ci_high, p_value, confidence_level,
                 treated_units AS units, comparison_units, NULL::integer AS firms, NULL::text AS suppression, note,
                 outcome_position, is_programme_headline
            FROM bi.effect_estimates
           WHERE programme_id = ${programmeId} AND is_headline
           ORDER BY is_programme_headline DESC, outcome_position NULLS LAST, outcome`.execute(db);
  return rows;
}

/**
 * Every logic-model indicator of the programme, in the logic model's order (stage, then the indicator's place),
 * with its cells and its progress, read from the variant's view. The progress table and the HTML report's KPI
 * table both read this, so they give the same verdict (report/xlsx/assessment.ts).
 */
export async function readIndicatorProgress(db: Kysely<Database>, programme: Programme, variant: WorkbookVariant): Promise<{ years: number[]; indicators: IndicatorProgress[] }> {
  const kpis = await readKpis(db, programme.id, variant);
  const years = [...new Set(kpis.map((row) => row.fiscal_year))].sort((a, b) => a - b);
  const indicators = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) =>
    programme.file.logicModel[stage].map((indicator): IndicatorProgress => {
      const own = kpis.filter((row) => row.indicator_id === indicator.id).sort((a, b) => a.fiscal_year - b.fiscal_year);
      const cells = new Map(own.map((row) => [row.fiscal_year, { fiscalYear: row.fiscal_year, value: row.suppressed ? null : row.value, suppressed: row.suppressed }]));
      const latest = own.length ? cells.get(own[own.length - 1].fiscal_year) : undefined;
      const year = judgedYear([...cells.keys()], indicator.target.fiscalYear);
      const judged = year === undefined ? undefined : cells.get(year);
      const progress =
        judged && judged.value !== null
          ? indicatorProgress({ direction: indicator.direction, baseline: indicator.baseline, target: indicator.target, latest: { value: judged.value, fiscalYear: judged.fiscalYear } })
          : undefined;
      return { indicator, stage, cells, latest, judged, progress };
    }),
  );
  return { years, indicators };
}

export async function readProgrammeSheetData(db: Kysely<Database>, programme: Programme, variant: WorkbookVariant): Promise<ProgrammeSheetData> {
  const { years, indicators } = await readIndicatorProgress(db, programme, variant);
  return { years, indicators, effects: await readEffects(db, programme.id, variant) };
}

/**
 * The target each fiscal year on the straight path from baseline to target (kpi/progress.ts's expected value),
 * for the years the sheet shows; none without a baseline, where the catalogue gives only the final target.
 */
export function targetPath(indicator: Indicator, years: readonly number[]): ReadonlyMap<number, number> {
  if (!indicator.baseline) return new Map();
  return new Map(
    years
      .filter((year) => year >= (indicator.baseline?.fiscalYear ?? year))
      .map((year) => {
        const path = indicatorProgress({ direction: indicator.direction, baseline: indicator.baseline, target: indicator.target, latest: { value: 0, fiscalYear: year } });
        return [year, path.expectedValue as number];
      }),
  );
}
