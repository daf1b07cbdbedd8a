/**
 * One programme's sheet of the progress table: every logic-model indicator with its baseline, target, value per
 * fiscal year and (where the catalogue gives a baseline) the yearly target on the path to the final one, the share
 * achieved, the verdict and the finding; below it the effects block, the programme headline first.
 */
import type ExcelJS from 'exceljs';
import { designLabel, estimatorLabel } from '../design-labels.js';
import type { IndicatorClassList } from '../../schemas/catalogue.js';
import type { Programme } from '../../programmes/catalogue.js';
import { assessIndicator, VERDICTS, type Assessment } from './assessment.js';
import { effectStatement, UNIT_COUNTERS } from './effect-statement.js';
import {
  catalogueFigureFormat,
  decimalsOfFormat,
  effectFormat,
  indicatorValueFormat,
  INTEGER_FORMAT,
  P_VALUE_FORMAT,
  SHARE_FORMAT,
} from './number-formats.js';
import { targetPath, type EffectRow, type Indicator, type ProgrammeSheetData, type WorkbookVariant } from './progress-data.js';
import { BODY_FONT, fitColumns, freezeHeader, HEADER_ROW, setUpPrinting, textCell, writeBanner, writeHeader, writeTitle } from './sheet-layout.js';

/** Stage labels as the ministry's table writes them. */
export const STAGE_LABELS: Readonly<Record<string, string>> = {
  input: 'インプット',
  activity: 'アクティビティ',
  output: 'アウトプット',
  shortTermOutcome: '短期アウトカム',
  midTermOutcome: '中期アウトカム',
  impact: 'インパクト',
};

/** The fixed columns of the indicator table, before one column per fiscal year. */
export const INDICATOR_COLUMNS = ['段階\nstage', '指標ID\nindicator', '指標名\nname', '分類\nclass', '単位\nunit', '基準値\nbaseline', '基準年度\nFY', '目標値\ntarget', '目標年度\nFY', '系列\nseries'] as const;
export const PROGRESS_COLUMNS = ['達成率\nachieved', '評価\nverdict', '評価・所見\nfindings', '出所\nsource'] as const;
export const SERIES = { actual: '実績\nactual', target: '年度目標\ntarget' } as const;
/** The row where a sheet's effect table starts is marked by this label in column A. */
export const EFFECTS_LABEL = '効果検証 effect estimates';
export const EFFECT_COLUMNS = [
  '区分\nrole',
  '指標ID\nindicator',
  '指標名\nname',
  '推定方法\ndesign',
  '単位\nunit',
  '推定値\nestimate',
  '標準誤差\nSE',
  '95%CI下限\nCI low',
  '95%CI上限\nCI high',
  'p値\np-value',
  '採択\nawarded',
  '比較\ncomparison',
  '企業数\nfirms',
] as const;
export const EFFECT_ROLES = { headline: '主要\nheadline', other: '副次\nother' } as const;
export const WITHHELD = '秘匿 suppressed';
/** Ids are for filtering and machines: smaller and grey, so the names carry the page. */
const ID_FONT: Partial<ExcelJS.Font> = { ...BODY_FONT, size: 8, color: { argb: 'FF7F7F7F' } };

/** Where each column of a programme sheet is, for writers and readers alike. */
export function programmeSheetColumns(yearCount: number) {
  const firstYear = INDICATOR_COLUMNS.length + 1;
  const share = firstYear + Math.max(yearCount, 1);
  return { firstYear, share, verdict: share + 1, finding: share + 2, source: share + 3, last: share + 3, effectFinding: Math.max(share + 2, EFFECT_COLUMNS.length + 1) };
}

function nameOf(indicator: Indicator): string {
  return `${indicator.nameJa}\n${indicator.nameEn}`;
}

function sourceOf(indicator: Indicator): string {
  if (!indicator.computation) return `未取得 not computed: ${indicator.notComputed?.source ?? indicator.dataSource}`;
  return indicator.computation.source === 'statistics' ? `公的統計 ${indicator.computation.publisher}` : `事業データ records (${indicator.computation.source})`;
}

function setNumber(cell: ExcelJS.Cell, value: number | null | undefined, format: string): void {
  if (value === null || value === undefined) return;
  cell.value = value;
  cell.numFmt = format;
}

const VERDICT_FILLS: Readonly<Record<string, string>> = {
  [VERDICTS.onTrack]: 'FFE2EFDA',
  [VERDICTS.behind]: 'FFFCE4D6',
  [VERDICTS.check]: 'FFFFC7CE',
  [VERDICTS.notAssessable]: 'FFEDEDED',
};

export interface ProgrammeSheetSummary {
  readonly assessments: readonly Assessment[];
  readonly headline: EffectRow | undefined;
}

export function writeProgrammeSheet(
  sheet: ExcelJS.Worksheet,
  programme: Programme,
  data: ProgrammeSheetData,
  variant: WorkbookVariant,
  classes: IndicatorClassList,
  /** Where the programme's published review sheets are in the workbook, or how to load them (null: it names none). */
  reviewSheetNote: string | null = null,
): ProgrammeSheetSummary {
  const columns = programmeSheetColumns(data.years.length);
  const className = new Map(classes.classes.map((entry) => [entry.id, entry.nameJa]));
  const indicatorById = new Map(data.indicators.map((row) => [row.indicator.id, row.indicator]));
  const effectOfIndicator = new Map<string, EffectRow>();
  for (const effect of data.effects) {
    const indicatorId = programme.studySpec.outcomeIndicators?.[effect.outcome];
    if (indicatorId && !effectOfIndicator.has(indicatorId)) effectOfIndicator.set(indicatorId, effect);
  }
  const counter = UNIT_COUNTERS[programme.file.unitOfAnalysis];
  const measureUnit = (outcome: string) => programme.file.dataRequirements.fields.find((field) => field.file === 'outcomes' && field.name === outcome)?.measure?.unit;

  writeBanner(sheet, variant, columns.last);
  writeTitle(sheet, `${programme.nameJa} / ${programme.nameEn}　進捗管理・点検・評価表（検証計画 v${programme.studySpec.version} ${programme.specHash.slice(0, 12)}）`, columns.last);
  const yearLabels = data.years.length ? data.years.map((year) => `FY${year}`) : ['FY'];
  writeHeader(sheet, HEADER_ROW, [...INDICATOR_COLUMNS, ...yearLabels, ...PROGRESS_COLUMNS]);

  const assessments: Assessment[] = [];
  let rowNumber = HEADER_ROW;
  for (const progressRow of data.indicators) {
    const { indicator } = progressRow;
    const valueFormat = indicatorValueFormat(indicator);
    const assessment = assessIndicator(progressRow);
    assessments.push(assessment);
    const effect = effectOfIndicator.get(indicator.id);
    const effectText = effect ? effectStatement(effect, { unit: measureUnit(effect.outcome) ?? indicator.unit, decimals: decimalsOfFormat(effectFormat(indicator, effect.estimate, effect.std_error)), counter }) : undefined;

    const row = sheet.getRow(++rowNumber);
    row.getCell(1).value = STAGE_LABELS[progressRow.stage];
    row.getCell(2).value = indicator.id;
    row.getCell(2).font = ID_FONT;
    row.getCell(3).value = textCell(nameOf(indicator));
    row.getCell(4).value = textCell(className.get(indicator.indicatorClass) ?? indicator.indicatorClass);
    row.getCell(5).value = textCell(indicator.unit);
    setNumber(row.getCell(6), indicator.baseline?.value, indicator.baseline ? catalogueFigureFormat(indicator, indicator.baseline.value) : INTEGER_FORMAT);
    setNumber(row.getCell(7), indicator.baseline?.fiscalYear, '0');
    setNumber(row.getCell(8), indicator.target.value, catalogueFigureFormat(indicator, indicator.target.value));
    setNumber(row.getCell(9), indicator.target.fiscalYear, '0');
    row.getCell(10).value = SERIES.actual;
    data.years.forEach((year, index) => {
      const cell = row.getCell(columns.firstYear + index);
      const value = progressRow.cells.get(year);
      if (value?.suppressed) {
        cell.value = WITHHELD;
        cell.alignment = { horizontal: 'right' };
      } else setNumber(cell, value?.value, valueFormat);
    });
    setNumber(row.getCell(columns.share), progressRow.progress?.shareAchieved, SHARE_FORMAT);
    row.getCell(columns.verdict).value = assessment.verdict;
    row.getCell(columns.verdict).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: VERDICT_FILLS[assessment.verdict] } };
    row.getCell(columns.finding).value = textCell(effectText ? `${assessment.finding}\n${effectText}` : assessment.finding);
    row.getCell(columns.source).value = textCell(sourceOf(indicator));

    // The yearly target on the straight path from baseline to target, for the years shown.
    const path = targetPath(indicator, data.years);
    if (path.size > 0) {
      const pathRow = sheet.getRow(++rowNumber);
      pathRow.getCell(1).value = STAGE_LABELS[progressRow.stage];
      pathRow.getCell(2).value = indicator.id;
      pathRow.getCell(2).font = ID_FONT;
      pathRow.getCell(10).value = SERIES.target;
      data.years.forEach((year, index) => setNumber(pathRow.getCell(columns.firstYear + index), path.get(year), valueFormat));
      pathRow.eachCell((cell) => (cell.font = { ...BODY_FONT, italic: true, color: { argb: 'FF595959' } }));
    }
  }
  const lastIndicatorRow = rowNumber;
  sheet.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: lastIndicatorRow, column: columns.last } };

  // The effects block: the programme headline first, then the other outcomes' headline estimators.
  rowNumber += 2;
  sheet.getRow(rowNumber).getCell(1).value = EFFECTS_LABEL;
  sheet.getRow(rowNumber).getCell(1).font = { ...BODY_FONT, bold: true, size: 11 };
  sheet.mergeCells(rowNumber, 1, rowNumber, 3);
  writeHeader(sheet, ++rowNumber, [...EFFECT_COLUMNS, ...Array<string>(columns.effectFinding - EFFECT_COLUMNS.length - 1).fill(''), '評価・所見\nfindings']);
  if (data.effects.length === 0) sheet.getRow(++rowNumber).getCell(1).value = '効果の推定なし（モニタリングのみ）/ no effect estimated (monitoring only)';
  for (const effect of data.effects) {
    const indicatorId = programme.studySpec.outcomeIndicators?.[effect.outcome];
    const indicator = indicatorId ? indicatorById.get(indicatorId) : undefined;
    const unit = measureUnit(effect.outcome) ?? indicator?.unit ?? '';
    const format = effectFormat(indicator, effect.estimate, effect.std_error);
    const design = designLabel(effect.design);
    const estimator = estimatorLabel(effect.estimator);
    const row = sheet.getRow(++rowNumber);
    row.getCell(1).value = effect.is_programme_headline ? EFFECT_ROLES.headline : EFFECT_ROLES.other;
    row.getCell(2).value = indicatorId ?? effect.outcome;
    row.getCell(2).font = ID_FONT;
    row.getCell(3).value = textCell(indicator ? nameOf(indicator) : effect.outcome);
    row.getCell(4).value = textCell(`${design.ja}\n${design.en}\n${estimator.ja} ${estimator.en}`);
    row.getCell(5).value = textCell(unit);
    if (effect.suppression !== null) {
      row.getCell(6).value = WITHHELD;
    } else {
      setNumber(row.getCell(6), effect.estimate, format);
      setNumber(row.getCell(7), effect.std_error, format);
      setNumber(row.getCell(8), effect.ci_low, format);
      setNumber(row.getCell(9), effect.ci_high, format);
      setNumber(row.getCell(10), effect.p_value, P_VALUE_FORMAT);
      setNumber(row.getCell(11), effect.units, INTEGER_FORMAT);
      setNumber(row.getCell(12), effect.comparison_units, INTEGER_FORMAT);
      setNumber(row.getCell(13), effect.firms, INTEGER_FORMAT);
    }
    row.getCell(columns.effectFinding).value = textCell(effectStatement(effect, { unit, decimals: decimalsOfFormat(format), counter }));
    if (effect.is_programme_headline) row.eachCell((cell, column) => (cell.font = { ...(column === 2 ? ID_FONT : BODY_FONT), bold: true }));
  }
  let noteRow: { number: number; lines: number } | undefined;
  if (reviewSheetNote !== null) {
    rowNumber += 2;
    const text = textCell(`行政事業レビューシート review sheets\n${reviewSheetNote}`);
    sheet.getRow(rowNumber).getCell(1).value = text;
    sheet.mergeCells(rowNumber, 1, rowNumber, 9);
    sheet.getRow(rowNumber).getCell(1).alignment = { wrapText: true, vertical: 'top' };
    noteRow = { number: rowNumber, lines: text.split('\n').length };
  }
  const lastRow = rowNumber;

  sheet.eachRow((row, number) => {
    if (number <= HEADER_ROW) return;
    row.eachCell((cell) => {
      if (!cell.font?.name) cell.font = { ...BODY_FONT, ...cell.font };
      cell.alignment = { vertical: 'top', ...cell.alignment };
    });
  });
  fitColumns(
    sheet,
    HEADER_ROW,
    new Map([
      [4, 22],
      [columns.finding, 40],
      [columns.source, 14],
      ...(columns.effectFinding !== columns.finding ? [[columns.effectFinding, 40] as [number, number]] : []),
    ]),
  );
  // A merged cell sets no row height when the columns are fitted: its lines are counted here.
  if (noteRow) sheet.getRow(noteRow.number).height = noteRow.lines * 12.5 + 2;
  freezeHeader(sheet, 3);
  setUpPrinting(sheet, variant, lastRow, Math.max(columns.last, columns.effectFinding), 2);
  return { assessments, headline: data.effects.find((effect) => effect.is_programme_headline) };
}
