/**
 * The ministry's progress table (進捗管理・点検・評価表 of the EBPM action plan) as an XLSX workbook: an
 * index sheet, then one sheet per programme listing every logic-model indicator with its stage, class,
 * unit, baseline, target, value per fiscal year, share achieved and on-track flag, and below them the
 * headline effects with their intervals and design. Values come from the public bi views, so the small-cell
 * suppression there applies here too; an indicator without a value says where its data comes from.
 */
import ExcelJS from 'exceljs';
import { sql, type Kysely } from 'kysely';
import type { Programme } from '../programmes/catalogue.js';
import { LOGIC_MODEL_STAGE_KEYS, LOGIC_MODEL_STAGE_NAMES } from '../schemas/catalogue.js';
import type { Database } from '../sql/database.js';

/** Stage labels as the ministry's table writes them. */
const STAGE_LABELS: Readonly<Record<string, string>> = {
  input: 'インプット',
  activity: 'アクティビティ',
  output: 'アウトプット',
  short_term_outcome: '短期アウトカム',
  mid_term_outcome: '中期アウトカム',
  impact: 'インパクト',
};

/** The fixed columns of a programme sheet, before one column per fiscal year. */
export const INDICATOR_COLUMNS = ['段階 stage', '指標ID indicator', '指標名 name', '分類 class', '単位 unit', '基準値 baseline', '基準年度', '目標値 target', '目標年度'] as const;
export const PROGRESS_COLUMNS = ['達成率 share achieved', '順調 on track', '出所 source'] as const;
/** The row where a sheet's effect table starts is marked by this label in column A. */
export const EFFECTS_LABEL = '効果検証 effect estimates';

interface PublicKpi {
  readonly indicator_id: string;
  readonly fiscal_year: number;
  readonly value: number | null;
  readonly suppressed: boolean;
}

interface Progress {
  readonly indicator_id: string;
  readonly share_achieved: number | null;
  readonly on_track: boolean | null;
}

interface PublicEffect {
  readonly outcome: string;
  readonly estimate: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
  readonly confidence_level: number | null;
  readonly status: string;
  readonly suppression: string | null;
  readonly note: string | null;
}

async function readProgramme(db: Kysely<Database>, programmeId: string) {
  const { rows: values } = await sql<PublicKpi>`
    SELECT indicator_id, fiscal_year, value, suppressed FROM bi.public_kpi_by_fiscal_year WHERE programme_id = ${programmeId}`.execute(db);
  // Share achieved and on-track follow the latest value, so they are withheld where that value is.
  const { rows: progress } = await sql<Progress>`
    SELECT p.indicator_id, CASE WHEN u.suppressed THEN NULL ELSE p.share_achieved END AS share_achieved,
           CASE WHEN u.suppressed THEN NULL ELSE p.on_track END AS on_track
      FROM bi.kpi_progress p JOIN bi.public_kpi_by_fiscal_year u USING (programme_id, indicator_id, fiscal_year)
     WHERE p.programme_id = ${programmeId}`.execute(db);
  const { rows: effects } = await sql<PublicEffect>`
    SELECT outcome, estimate, ci_low, ci_high, confidence_level, status, suppression, note
      FROM bi.public_effect_estimates WHERE programme_id = ${programmeId} AND is_headline ORDER BY outcome`.execute(db);
  return { values, progress, effects };
}

export async function buildProgressWorkbook(db: Kysely<Database>, programmes: readonly Programme[]): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'ebpm';
  const index = workbook.addWorksheet('目次 index');
  index.addRow(['進捗管理・点検・評価表 / Progress, check and evaluation table']);
  index.addRow(['programme id', '事業名', 'programme', 'unit of analysis', 'study spec', 'sheet']);
  for (const programme of programmes) {
    const data = await readProgramme(db, programme.id);
    index.addRow([programme.id, programme.nameJa, programme.nameEn, programme.file.unitOfAnalysis, `v${programme.studySpec.version} ${programme.specHash.slice(0, 12)}`, programme.id]);
    const sheet = workbook.addWorksheet(programme.id.slice(0, 31));
    const years = [...new Set(data.values.map((value) => value.fiscal_year))].sort((a, b) => a - b);
    sheet.addRow([`${programme.nameJa} / ${programme.nameEn}`]);
    sheet.addRow([...INDICATOR_COLUMNS, ...years.map((year) => `FY${year}`), ...PROGRESS_COLUMNS]);
    const progressOf = new Map(data.progress.map((row) => [row.indicator_id, row]));
    for (const stage of LOGIC_MODEL_STAGE_KEYS) {
      for (const indicator of programme.file.logicModel[stage]) {
        const valueIn = new Map(data.values.filter((value) => value.indicator_id === indicator.id).map((value) => [value.fiscal_year, value]));
        const progress = progressOf.get(indicator.id);
        const source = indicator.computation
          ? indicator.computation.source === 'statistics'
            ? `公的統計 statistics: ${indicator.computation.publisher}`
            : `事業データ programme records (${indicator.computation.source})`
          : `未取得 not computed: ${indicator.notComputed?.reason ?? ''} (${indicator.notComputed?.source ?? indicator.dataSource})`;
        sheet.addRow([
          STAGE_LABELS[LOGIC_MODEL_STAGE_NAMES[stage]],
          indicator.id,
          `${indicator.nameJa} / ${indicator.nameEn}`,
          indicator.indicatorClass,
          indicator.unit,
          indicator.baseline?.value ?? null,
          indicator.baseline?.fiscalYear ?? null,
          indicator.target.value,
          indicator.target.fiscalYear,
          ...years.map((year) => {
            const cell = valueIn.get(year);
            return cell === undefined ? null : cell.suppressed ? '秘匿 suppressed' : cell.value;
          }),
          progress?.share_achieved ?? null,
          progress?.on_track === null || progress?.on_track === undefined ? null : progress.on_track ? '○' : '×',
          source,
        ]);
      }
    }
    sheet.addRow([]);
    sheet.addRow([EFFECTS_LABEL]);
    sheet.addRow(['outcome', '指標 indicator', 'effect', 'CI low', 'CI high', 'confidence', 'design', 'note']);
    for (const effect of data.effects) {
      const withheld = effect.suppression !== null;
      sheet.addRow([
        effect.outcome,
        programme.studySpec.outcomeIndicators?.[effect.outcome] ?? null,
        withheld ? '秘匿 suppressed' : effect.estimate,
        withheld ? null : effect.ci_low,
        withheld ? null : effect.ci_high,
        effect.confidence_level,
        `staggered DiD (Callaway & Sant'Anna, ${programme.studySpec.estimation.method}), comparison: ${programme.studySpec.comparisonGroup}`,
        effect.note,
      ]);
    }
    sheet.getRow(2).font = { bold: true };
    sheet.columns.forEach((column) => (column.width = 14));
    sheet.getColumn(3).width = 40;
  }
  index.getRow(2).font = { bold: true };
  return workbook;
}

export async function writeProgressWorkbook(db: Kysely<Database>, programmes: readonly Programme[], path: string): Promise<void> {
  await (await buildProgressWorkbook(db, programmes)).xlsx.writeFile(path);
}
