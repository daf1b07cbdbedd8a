/**
 * The index sheet of the progress table: one row per programme with its headline effect (indicator, design,
 * estimate and interval, from the same view row the programme sheet quotes) and how many of its indicators are on
 * track, behind, to be checked or not assessable.
 */
import type ExcelJS from 'exceljs';
import { designLabel } from '../design-labels.js';
import type { Programme } from '../../programmes/catalogue.js';
import { VERDICTS } from './assessment.js';
import { effectFormat, INTEGER_FORMAT } from './number-formats.js';
import type { WorkbookVariant } from './progress-data.js';
import type { ProgrammeSheetSummary } from './programme-sheet.js';
import { WITHHELD } from './programme-sheet.js';
import { BODY_FONT, fitColumns, freezeHeader, HEADER_ROW, setUpPrinting, textCell, writeBanner, writeHeader, writeTitle } from './sheet-layout.js';

export const INDEX_SHEET_NAME = '目次 index';
export const INDEX_COLUMNS = [
  '事業ID・シート\nprogramme',
  '事業名\nname',
  '分析単位\nunit',
  '検証計画\nstudy spec',
  '主要な効果の指標\nheadline indicator',
  '推定方法\ndesign',
  '推定値\nestimate',
  '95%CI下限\nCI low',
  '95%CI上限\nCI high',
  '順調\non track',
  '遅れ\nbehind',
  '要確認\ncheck',
  '評価不能\nnot assessable',
] as const;

const UNIT_NAMES = { firm: '企業 firm', project: 'プロジェクト project', site: '拠点 site' } as const;

export function writeIndexSheet(sheet: ExcelJS.Worksheet, entries: readonly { programme: Programme; summary: ProgrammeSheetSummary }[], variant: WorkbookVariant): void {
  const last = INDEX_COLUMNS.length;
  writeBanner(sheet, variant, last);
  writeTitle(sheet, '進捗管理・点検・評価表 / Progress, check and evaluation table（EBPM）', last);
  writeHeader(sheet, HEADER_ROW, INDEX_COLUMNS);
  let rowNumber = HEADER_ROW;
  for (const { programme, summary } of entries) {
    const row = sheet.getRow(++rowNumber);
    row.getCell(1).value = { text: programme.id, hyperlink: `#'${programme.id.slice(0, 31)}'!A1` };
    row.getCell(1).font = { ...BODY_FONT, color: { argb: 'FF0563C1' }, underline: true };
    row.getCell(2).value = textCell(`${programme.nameJa}\n${programme.nameEn}`);
    row.getCell(3).value = UNIT_NAMES[programme.file.unitOfAnalysis];
    row.getCell(4).value = `v${programme.studySpec.version} ${programme.specHash.slice(0, 12)}`;
    const headline = summary.headline;
    if (headline) {
      const indicatorId = programme.studySpec.outcomeIndicators?.[headline.outcome];
      const indicator = Object.values(programme.file.logicModel).flat().find((entry) => entry.id === indicatorId);
      const design = designLabel(headline.design);
      row.getCell(5).value = textCell(indicator ? `${indicator.nameJa}\n${indicator.nameEn}` : headline.outcome);
      row.getCell(6).value = textCell(`${design.ja}\n${design.en}`);
      if (headline.suppression !== null) row.getCell(7).value = WITHHELD;
      else {
        const format = effectFormat(indicator, headline.estimate, headline.std_error);
        for (const [column, value] of [[7, headline.estimate], [8, headline.ci_low], [9, headline.ci_high]] as const) {
          if (value === null) continue;
          row.getCell(column).value = value;
          row.getCell(column).numFmt = format;
        }
      }
    } else {
      row.getCell(5).value = '効果の推定なし no effect estimated';
    }
    const verdicts = [VERDICTS.onTrack, VERDICTS.behind, VERDICTS.check, VERDICTS.notAssessable];
    verdicts.forEach((verdict, index) => {
      row.getCell(10 + index).value = summary.assessments.filter((assessment) => assessment.verdict === verdict).length;
      row.getCell(10 + index).numFmt = INTEGER_FORMAT;
    });
    row.eachCell((cell) => {
      if (!cell.font?.name) cell.font = { ...BODY_FONT };
      cell.alignment = { vertical: 'top', ...cell.alignment };
    });
  }
  sheet.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: rowNumber, column: last } };
  fitColumns(sheet, HEADER_ROW, new Map([[6, 30]]));
  freezeHeader(sheet, 1);
  setUpPrinting(sheet, variant, rowNumber, last, 1);
}
