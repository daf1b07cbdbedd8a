import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import { indicatorProgress } from '../kpi/progress.js';
import { listProgrammes, type Programme } from '../programmes/catalogue.js';
import { designLabel } from '../report/design-labels.js';
import {
  buildProgressWorkbook,
  EFFECT_COLUMNS,
  EFFECTS_LABEL,
  INDEX_SHEET_NAME,
  INTERNAL_MARK,
  programmeSheetColumns,
  SERIES,
  WITHHELD,
  type WorkbookVariant,
} from '../report/progress-workbook.js';
import { catalogueFigureText, indicatorValueText, kpiTableHtml } from '../report/kpi-table.js';
import { readReportData } from '../report/report-data.js';
import { implausibleShareReason, VERDICTS } from '../report/xlsx/assessment.js';
import { decimalsOf, isCountIndicator, significantDecimals } from '../report/xlsx/number-formats.js';
import { displayWidth, HEADER_ROW } from '../report/xlsx/sheet-layout.js';
import { ebpmWith } from './support/compiled-cli.js';
import { evaluateProgrammeFiles } from './support/evaluate-directly.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

let database: TestDatabase;
let scratch: string;
const files: Record<WorkbookVariant, string> = { public: '', internal: '' };

interface KpiRow {
  programme_id: string;
  indicator_id: string;
  fiscal_year: number;
  value: number | null;
  suppressed: boolean;
}

interface EffectViewRow {
  programme_id: string;
  outcome: string;
  design: string;
  estimate: number | null;
  std_error: number | null;
  ci_low: number | null;
  ci_high: number | null;
  p_value: number | null;
  units: number | null;
  comparison_units: number | null;
  firms: number | null;
  suppression: string | null;
  is_programme_headline: boolean;
  outcome_position: number;
}

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-progress-workbook-'));
  for (const programme of listProgrammes()) {
    const generated = writeSyntheticFiles(programme.id, join(scratch, 'data', programme.id), { withInvalidRows: false });
    await evaluateProgrammeFiles(database.db, generated, `progress-workbook-${programme.id}`);
  }
  for (const variant of ['public', 'internal'] as const) {
    files[variant] = join(scratch, `progress-table-${variant}.xlsx`);
    await (await buildProgressWorkbook(database.db, listProgrammes(), variant)).xlsx.writeFile(files[variant]);
  }
}, 600_000);
afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

async function readWorkbook(path: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  return workbook;
}

function cellText(cell: ExcelJS.Cell): string {
  const value = cell.value;
  if (value && typeof value === 'object' && 'text' in value) return String(value.text);
  return value === null || value === undefined ? '' : String(value);
}

/** Row numbers of each indicator's actual and target-path rows, and where the effects block's rows start. */
function locateRows(sheet: ExcelJS.Worksheet) {
  const actual = new Map<string, number>();
  const path = new Map<string, number>();
  let effectsStart = 0;
  sheet.eachRow((row, number) => {
    if (number <= HEADER_ROW) return;
    if (cellText(row.getCell(1)) === EFFECTS_LABEL) effectsStart = number + 2;
    else if (!effectsStart && cellText(row.getCell(10)) === SERIES.actual) actual.set(cellText(row.getCell(2)), number);
    else if (!effectsStart && cellText(row.getCell(10)) === SERIES.target) path.set(cellText(row.getCell(2)), number);
  });
  return { actual, path, effectsStart };
}

function yearColumns(sheet: ExcelJS.Worksheet): Map<number, number> {
  const columns = new Map<number, number>();
  sheet.getRow(HEADER_ROW).eachCell((cell, column) => {
    const match = /^FY(\d{4})$/.exec(cellText(cell));
    if (match) columns.set(Number(match[1]), column);
  });
  return columns;
}

async function readKpis(variant: WorkbookVariant): Promise<KpiRow[]> {
  const { rows } =
    variant === 'public'
      ? await sql<KpiRow>`SELECT programme_id, indicator_id, fiscal_year, value, suppressed FROM bi.public_kpi_by_fiscal_year`.execute(database.db)
      : await sql<KpiRow>`SELECT programme_id, indicator_id, fiscal_year, value, false AS suppressed FROM bi.kpi_by_fiscal_year`.execute(database.db);
  return rows;
}

async function readEffects(variant: WorkbookVariant): Promise<EffectViewRow[]> {
  const { rows } =
    variant === 'public'
      ? await sql<EffectViewRow>`
          SELECT programme_id, outcome, design, estimate, std_error, ci_low, ci_high, p_value, units, comparison_units, firms, suppression,
                 is_programme_headline, outcome_position
            FROM bi.public_effect_estimates WHERE is_headline`.execute(database.db)
      : await sql<EffectViewRow>`
          SELECT programme_id, outcome, design, estimate, std_error, ci_low, ci_high, p_value, treated_units AS units, comparison_units,
                 NULL::integer AS firms, NULL::text AS suppression, is_programme_headline, outcome_position
            FROM bi.effect_estimates WHERE is_headline`.execute(database.db);
  return rows;
}

interface HtmlKpiRow {
  readonly indicatorId: string;
  readonly fiscalYear: string;
  readonly value: string;
  readonly target: string;
  readonly share: string;
  readonly verdict: string;
}

/** The HTML report's KPI table rows, as the programme page shows them (by their row tags). */
async function htmlKpiRows(programme: Programme, variant: WorkbookVariant): Promise<HtmlKpiRow[]> {
  const data = await readReportData(database.db, programme, { variant });
  const html = kpiTableHtml(data.indicatorProgress, 'WITHHELD');
  return [...html.matchAll(/<tr data-indicator="([^"]+)"[^>]*><td>.*?<\/td><td>(.*?)<\/td><td>(.*?)<\/td><td>(.*?)<\/td><td>(.*?)<\/td><td><b>(.*?)<\/b>/g)].map((m) => ({
    indicatorId: m[1],
    fiscalYear: m[2],
    value: m[3],
    target: m[4],
    share: m[5],
    verdict: m[6],
  }));
}

const allIndicators = (programme: Programme) => Object.values(programme.file.logicModel).flat();

describe.each(['public', 'internal'] as const)('the %s progress table, read back', (variant) => {
  let workbook: ExcelJS.Workbook;
  beforeAll(async () => {
    workbook = await readWorkbook(files[variant]);
  });

  it('has an index and one sheet per programme, each indicator value equal to the view and formatted by its unit', async () => {
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([INDEX_SHEET_NAME, ...listProgrammes().map((p) => p.id)]);
    const kpis = await readKpis(variant);
    let compared = 0;
    for (const programme of listProgrammes()) {
      const sheet = workbook.getWorksheet(programme.id) as ExcelJS.Worksheet;
      const { actual } = locateRows(sheet);
      const years = yearColumns(sheet);
      expect([...actual.keys()].sort(), programme.id).toEqual(allIndicators(programme).map((i) => i.id).sort());
      for (const kpi of kpis.filter((k) => k.programme_id === programme.id)) {
        const cell = sheet.getRow(actual.get(kpi.indicator_id) as number).getCell(years.get(kpi.fiscal_year) as number);
        expect(cell.value, `${programme.id} ${kpi.indicator_id} FY${kpi.fiscal_year}`).toBe(kpi.suppressed ? WITHHELD : kpi.value);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('formats shares as %, counts as whole numbers, percentage points with a % sign and targets at their own precision', () => {
    const columns = (sheet: ExcelJS.Worksheet) => programmeSheetColumns(yearColumns(sheet).size);
    const southSheet = workbook.getWorksheet('global-south-co-creation') as ExcelJS.Worksheet;
    const south = locateRows(southSheet);
    const diversification = southSheet.getRow(south.actual.get('supply_source_diversification') as number);
    expect(diversification.getCell(8).value).toBe(0.6);
    expect(diversification.getCell(8).numFmt).toBe('#,##0.0');
    expect(diversification.getCell(6).numFmt).toBe('#,##0.0');
    const awarded = southSheet.getRow(south.actual.get('projects_awarded') as number);
    const awardedYears = [...yearColumns(southSheet).values()].map((column) => awarded.getCell(column)).filter((cell) => typeof cell.value === 'number');
    expect(awardedYears.length).toBeGreaterThan(0);
    for (const cell of awardedYears) expect(cell.numFmt).toBe('#,##0');
    const rate = southSheet.getRow(south.actual.get('award_rate') as number);
    const rateCell = [...yearColumns(southSheet).values()].map((column) => rate.getCell(column)).find((cell) => typeof cell.value === 'number');
    expect(rateCell?.numFmt).toBe('0.0"%"');
    const share = rate.getCell(columns(southSheet).share);
    expect(typeof share.value).toBe('number');
    expect(share.numFmt).toBe('0.0%');
  });

  it('gives each indicator with a baseline its yearly target on the path from baseline to target', () => {
    const programme = listProgrammes().find((p) => p.id === 'sme-labour-saving') as Programme;
    const sheet = workbook.getWorksheet(programme.id) as ExcelJS.Worksheet;
    const { path } = locateRows(sheet);
    const withBaseline = allIndicators(programme).filter((i) => i.baseline);
    expect([...path.keys()].sort()).toEqual(withBaseline.map((i) => i.id).sort());
    for (const indicator of withBaseline) {
      for (const [year, column] of yearColumns(sheet)) {
        if (year < (indicator.baseline?.fiscalYear ?? 0)) continue;
        const expected = indicatorProgress({ direction: indicator.direction, baseline: indicator.baseline, target: indicator.target, latest: { value: 0, fiscalYear: year } }).expectedValue;
        expect(sheet.getRow(path.get(indicator.id) as number).getCell(column).value, `${indicator.id} FY${year}`).toBeCloseTo(expected as number, 9);
      }
    }
  });

  it('fills share achieved and a verdict for every indicator, agreeing with the KPI progress the run stored', async () => {
    const { rows: progress } = await sql<{ programme_id: string; indicator_id: string; fiscal_year: number; share_achieved: number | null; on_track: boolean | null }>`
      SELECT programme_id, indicator_id, fiscal_year, share_achieved, on_track FROM bi.kpi_progress`.execute(database.db);
    const kpis = await readKpis(variant);
    for (const programme of listProgrammes()) {
      const sheet = workbook.getWorksheet(programme.id) as ExcelJS.Worksheet;
      const columns = programmeSheetColumns(yearColumns(sheet).size);
      const { actual } = locateRows(sheet);
      for (const stored of progress.filter((p) => p.programme_id === programme.id)) {
        const row = sheet.getRow(actual.get(stored.indicator_id) as number);
        const latestSuppressed = kpis.find((k) => k.programme_id === programme.id && k.indicator_id === stored.indicator_id && k.fiscal_year === stored.fiscal_year)?.suppressed;
        const verdict = cellText(row.getCell(columns.verdict));
        expect(Object.values(VERDICTS)).toContain(verdict);
        if (latestSuppressed) {
          expect(row.getCell(columns.share).value, `${programme.id} ${stored.indicator_id}`).toBeNull();
          expect(verdict).toBe(VERDICTS.notAssessable);
          continue;
        }
        expect(row.getCell(columns.share).value ?? null, `${programme.id} ${stored.indicator_id}`).toBe(stored.share_achieved);
        const share = stored.share_achieved;
        if (share !== null && (share < 0 || share > 2)) expect(verdict, `${programme.id} ${stored.indicator_id}`).toBe(VERDICTS.check);
        else if (stored.on_track === true) expect(verdict).toBe(VERDICTS.onTrack);
        else if (stored.on_track === false) expect(verdict).toBe(VERDICTS.behind);
        expect(cellText(row.getCell(columns.finding)).length).toBeGreaterThan(10);
      }
    }
  });

  it('gives the same verdict and share as the HTML report\'s KPI table for every indicator, in the logic model\'s order', async () => {
    for (const programme of listProgrammes()) {
      const sheet = workbook.getWorksheet(programme.id) as ExcelJS.Worksheet;
      const columns = programmeSheetColumns(yearColumns(sheet).size);
      const { actual } = locateRows(sheet);
      const html = await htmlKpiRows(programme, variant);
      expect(html.map((row) => row.indicatorId), programme.id).toEqual(allIndicators(programme).map((i) => i.id));
      expect([...actual.keys()], programme.id).toEqual(html.map((row) => row.indicatorId));
      for (const row of html) {
        const what = `${programme.id} ${row.indicatorId}`;
        const sheetRow = sheet.getRow(actual.get(row.indicatorId) as number);
        expect(row.verdict, what).toBe(cellText(sheetRow.getCell(columns.verdict)).replace('\n', ' / '));
        const share = sheetRow.getCell(columns.share).value as number | null;
        expect(row.share, what).toBe(share === null || share === undefined ? '—' : `${(share * 100).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} %`);
        const indicator = allIndicators(programme).find((i) => i.id === row.indicatorId)!;
        if (isCountIndicator(indicator) && /^FY/.test(row.fiscalYear) && row.value !== 'WITHHELD') expect(row.value, what).toMatch(/^-?[\d,]+ /);
        expect(row.target, what).toBe(`${catalogueFigureText(indicator, indicator.target.value)} (FY${indicator.target.fiscalYear})`);
      }
    }
  });

  it('lists the effects with the programme headline first, each label and number equal to the view', async () => {
    const effects = await readEffects(variant);
    let compared = 0;
    for (const programme of listProgrammes()) {
      const sheet = workbook.getWorksheet(programme.id) as ExcelJS.Worksheet;
      const { effectsStart } = locateRows(sheet);
      expect(sheet.getRow(effectsStart - 1).values).toEqual(expect.arrayContaining([...EFFECT_COLUMNS]));
      const expected = effects
        .filter((e) => e.programme_id === programme.id)
        .sort((a, b) => Number(b.is_programme_headline) - Number(a.is_programme_headline) || a.outcome_position - b.outcome_position);
      expected.forEach((effect, index) => {
        const row = sheet.getRow(effectsStart + index);
        const what = `${programme.id} ${effect.outcome}`;
        const indicator = allIndicators(programme).find((i) => i.id === programme.studySpec.outcomeIndicators?.[effect.outcome]);
        expect(cellText(row.getCell(1)), what).toBe(effect.is_programme_headline ? '主要\nheadline' : '副次\nother');
        expect(cellText(row.getCell(2)), what).toBe(indicator?.id ?? effect.outcome);
        expect(cellText(row.getCell(3)), what).toBe(`${indicator?.nameJa}\n${indicator?.nameEn}`);
        expect(cellText(row.getCell(4)), what).toContain(designLabel(effect.design).ja);
        expect(cellText(row.getCell(4)), what).toContain(designLabel(effect.design).en);
        if (effect.suppression !== null) {
          expect(row.getCell(6).value, what).toBe(WITHHELD);
        } else {
          const numbers = [effect.estimate, effect.std_error, effect.ci_low, effect.ci_high, effect.p_value, effect.units, effect.comparison_units, effect.firms];
          numbers.forEach((value, offset) => expect(row.getCell(6 + offset).value ?? null, `${what} column ${6 + offset}`).toBe(value));
          // Three significant digits at most in what is shown, never the raw float.
          expect(row.getCell(6).numFmt, what).toMatch(/^#,##0(\.0{1,6})?$/);
          expect(row.getCell(10).numFmt).toContain('<0.001');
          // The effect in words beside it, and in the findings of the indicator it measures.
          const finding = cellText(row.getCell(programmeSheetColumns(yearColumns(sheet).size).effectFinding));
          expect(finding, what).toContain(designLabel(effect.design).ja);
          expect(finding, what).toMatch(/95%信頼区間 [+−]?[\d,.]+〜[+−]?[\d,.]+/);
          if (indicator) {
            const indicatorRow = sheet.getRow(locateRows(sheet).actual.get(indicator.id) as number);
            expect(cellText(indicatorRow.getCell(programmeSheetColumns(yearColumns(sheet).size).finding)), what).toContain(finding.split(' / ')[0].replace(/^主要な効果/, ''));
          }
        }
        compared++;
      });
      const index = workbook.getWorksheet(INDEX_SHEET_NAME) as ExcelJS.Worksheet;
      const headline = expected.find((e) => e.is_programme_headline);
      let indexRow: ExcelJS.Row | undefined;
      index.eachRow((row) => {
        if (cellText(row.getCell(1)) === programme.id) indexRow = row;
      });
      expect(indexRow, programme.id).toBeDefined();
      if (headline && headline.suppression === null) {
        expect(indexRow?.getCell(6).value, programme.id).toBe(`${designLabel(headline.design).ja}\n${designLabel(headline.design).en}`);
        expect(indexRow?.getCell(7).value, programme.id).toBe(headline.estimate);
        expect(indexRow?.getCell(8).value, programme.id).toBe(headline.ci_low);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(listProgrammes().length);
    // A synthetic-DiD and an RD headline are named by their own designs, never as staggered DiD.
    const label = (id: string) => cellText((workbook.getWorksheet(id) as ExcelJS.Worksheet).getRow(locateRows(workbook.getWorksheet(id) as ExcelJS.Worksheet).effectsStart).getCell(4));
    expect(label('critical-minerals')).toContain(designLabel('synthetic_did').ja);
    expect(label('large-scale-growth-investment')).toContain(designLabel('rd_review_score').ja);
  });

  it('freezes the header rows, filters the indicator table and prints each sheet A4 landscape, one page wide, titles repeated', () => {
    for (const sheet of workbook.worksheets) {
      expect(sheet.views[0], sheet.name).toMatchObject({ state: 'frozen', ySplit: HEADER_ROW });
      expect(sheet.autoFilter, sheet.name).toBeTruthy();
      expect(sheet.pageSetup, sheet.name).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, printTitlesRow: `1:${HEADER_ROW}` });
      expect(sheet.pageSetup.fitToHeight).toBeLessThanOrEqual(2);
      expect(sheet.headerFooter.oddHeader, sheet.name).toContain('&A');
      expect(sheet.headerFooter.oddFooter, sheet.name).toContain('&P');
    }
  });

  it(variant === 'internal' ? 'marks every sheet and every printed page 内部資料・公表不可, in a red first row' : 'carries no internal mark', () => {
    for (const sheet of workbook.worksheets) {
      const banner = sheet.getRow(1).getCell(1);
      if (variant === 'internal') {
        expect(cellText(banner), sheet.name).toContain(INTERNAL_MARK);
        expect(banner.fill).toMatchObject({ type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFC00000' } });
        expect(sheet.headerFooter.oddHeader, sheet.name).toContain(INTERNAL_MARK);
      } else {
        expect(cellText(banner)).not.toContain(INTERNAL_MARK);
        expect(sheet.headerFooter.oddHeader ?? '').not.toContain(INTERNAL_MARK);
      }
    }
  });
});

describe('the public progress table against the internal one', () => {
  it('withholds in the public file exactly the cells the public view withholds, which the internal file shows', async () => {
    const publicBook = await readWorkbook(files.public);
    const internalBook = await readWorkbook(files.internal);
    const { rows: withheld } = await sql<KpiRow>`
      SELECT programme_id, indicator_id, fiscal_year, value, suppressed FROM bi.public_kpi_by_fiscal_year WHERE suppressed`.execute(database.db);
    const { rows: unsuppressed } = await sql<KpiRow>`SELECT programme_id, indicator_id, fiscal_year, value, false AS suppressed FROM bi.kpi_by_fiscal_year`.execute(database.db);
    expect(withheld.length).toBeGreaterThan(0);
    for (const cell of withheld) {
      const at = (book: ExcelJS.Workbook) => {
        const sheet = book.getWorksheet(cell.programme_id) as ExcelJS.Worksheet;
        return sheet.getRow(locateRows(sheet).actual.get(cell.indicator_id) as number).getCell(yearColumns(sheet).get(cell.fiscal_year) as number).value;
      };
      expect(at(publicBook)).toBe(WITHHELD);
      expect(at(internalBook)).toBe(unsuppressed.find((u) => u.programme_id === cell.programme_id && u.indicator_id === cell.indicator_id && u.fiscal_year === cell.fiscal_year)?.value);
    }
  });
});

describe('the progress table\'s formats and verdicts', () => {
  it('shows a count without decimals and a target of 0.6 as 0.6, with its unit, in the HTML table as in the workbook', () => {
    const growth = listProgrammes().find((p) => p.id === 'large-scale-growth-investment') as Programme;
    const firms = allIndicators(growth).find((i) => i.id === 'firms_awarded')!;
    expect(isCountIndicator(firms)).toBe(true);
    expect(indicatorValueText(firms, 15)).toBe(`15 ${firms.unit}`);
    expect(indicatorValueText(firms, 1234)).toBe(`1,234 ${firms.unit}`);
    const south = listProgrammes().find((p) => p.id === 'global-south-co-creation') as Programme;
    const fraction = allIndicators(south).find((i) => i.target.value === 0.6)!;
    expect(catalogueFigureText(fraction, fraction.target.value)).toBe(`0.6 ${fraction.unit}`);
    expect(indicatorValueText(fraction, 0.51)).toBe(`0.51 ${fraction.unit}`);
    expect(kpiTableHtml([{ indicator: fraction, stage: 'output', cells: new Map(), latest: { fiscalYear: 2025, value: 0.51, suppressed: false }, judged: { fiscalYear: 2025, value: 0.51, suppressed: false }, progress: undefined }], 'x')).toContain(`0.6 ${fraction.unit} (FY${fraction.target.fiscalYear})`);
  });
  it('keeps a catalogue figure\'s own decimals and shows an estimate at three significant digits', () => {
    expect([0.6, 92, 0.25, 1.005, 3000].map(decimalsOf)).toEqual([1, 0, 2, 3, 0]);
    expect([1.38110482430018, 29.87, 0.01234, 1234.5].map((value) => significantDecimals(value))).toEqual([2, 1, 4, 0]);
  });

  it('names a national baseline against the own units\' sum, and a per-unit target against a programme total, as the likely reasons', () => {
    const ev = listProgrammes().find((p) => p.id === 'ev-charging-infrastructure') as Programme;
    const chargers = ev.file.logicModel.shortTermOutcome[0];
    expect(implausibleShareReason({ ...chargers, baseline: { value: 30000, fiscalYear: 2022, provenance: 'national count' } }, -0.15)).toContain('基準値は全国');
    expect(implausibleShareReason(chargers, 9.98)).toContain('目標は1件あたり');
  });
});

describe('the progress table given awkward catalogue text and targets', () => {
  it.each([
    ['met', 1],
    ['not met', 0.8],
  ] as const)('judges a passed target year on that year\'s own value (%s), in the HTML table as in the workbook', async (_case, share) => {
    const programme = listProgrammes().find((p) => p.id === 'large-scale-growth-investment') as Programme;
    const { rows } = await sql<{ indicator_id: string; fiscal_year: number; value: number }>`
      SELECT indicator_id, fiscal_year, value FROM bi.kpi_by_fiscal_year
       WHERE programme_id = ${programme.id} AND indicator_id = 'firms_awarded' AND value > 0 ORDER BY fiscal_year`.execute(database.db);
    expect(rows.length).toBeGreaterThan(1);
    // The target year is the first year with a value; later years (larger or smaller) must not decide the verdict.
    const targetYear = rows[0].fiscal_year;
    const targetValue = rows[0].value / share;
    const stageOf = (Object.keys(programme.file.logicModel) as (keyof typeof programme.file.logicModel)[]).find((stage) => programme.file.logicModel[stage].some((i) => i.id === 'firms_awarded'))!;
    const moved: Programme = {
      ...programme,
      file: {
        ...programme.file,
        logicModel: {
          ...programme.file.logicModel,
          [stageOf]: programme.file.logicModel[stageOf].map((i) => (i.id === 'firms_awarded' ? { ...i, baseline: null, target: { ...i.target, value: targetValue, fiscalYear: targetYear } } : i)),
        },
      },
    };
    const expectedVerdict = share >= 1 ? VERDICTS.onTrack : VERDICTS.behind;
    const path = join(scratch, `passed-target-${share}.xlsx`);
    await (await buildProgressWorkbook(database.db, [moved], 'internal')).xlsx.writeFile(path);
    const sheet = (await readWorkbook(path)).getWorksheet(programme.id) as ExcelJS.Worksheet;
    const columns = programmeSheetColumns(yearColumns(sheet).size);
    const row = sheet.getRow(locateRows(sheet).actual.get('firms_awarded') as number);
    expect(row.getCell(columns.share).value as number).toBeCloseTo(share, 9);
    expect(row.getCell(columns.verdict).value).toBe(expectedVerdict);
    expect(cellText(row.getCell(columns.finding))).toContain(`目標年度 FY${targetYear}`);
    expect(cellText(row.getCell(columns.finding))).toContain(share >= 1 ? 'target met' : 'target not met');
    const html = (await htmlKpiRows(moved, 'internal')).find((r) => r.indicatorId === 'firms_awarded')!;
    expect(html.fiscalYear).toBe(`FY${targetYear}`);
    expect(html.share).toBe(share >= 1 ? '100.0 %' : '80.0 %');
    expect(html.verdict).toBe(expectedVerdict.replace('\n', ' / '));
  });

  it('flags an achievement above 200 % 要確認 with its likely reason, never on track', async () => {
    const programme = listProgrammes().find((p) => p.id === 'biomanufacturing') as Programme;
    const outcome = programme.file.logicModel.shortTermOutcome[0];
    // A target stated per project (one plant) against the computation's sum over all supported projects.
    const perUnitTarget: Programme = {
      ...programme,
      file: { ...programme.file, logicModel: { ...programme.file.logicModel, shortTermOutcome: [{ ...outcome, target: { ...outcome.target, value: 1 } }] } },
    };
    const path = join(scratch, 'per-unit-target.xlsx');
    await (await buildProgressWorkbook(database.db, [perUnitTarget], 'public')).xlsx.writeFile(path);
    const sheet = (await readWorkbook(path)).getWorksheet(programme.id) as ExcelJS.Worksheet;
    const columns = programmeSheetColumns(yearColumns(sheet).size);
    const row = sheet.getRow(locateRows(sheet).actual.get(outcome.id) as number);
    expect(row.getCell(columns.share).value as number).toBeGreaterThan(2);
    expect(row.getCell(columns.verdict).value).toBe(VERDICTS.check);
    expect(cellText(row.getCell(columns.finding))).toContain('目標は1件あたり');
  });

  it('writes text that starts with =, +, - or @ as a string, never a formula', async () => {
    const programme = listProgrammes().find((p) => p.id === 'critical-minerals') as Programme;
    const [first, ...rest] = programme.file.logicModel.output;
    const hostile: Programme = {
      ...programme,
      nameJa: '=HYPERLINK("http://example.invalid","x")',
      nameEn: '+cmd|\' /C calc\'!A0',
      file: { ...programme.file, logicModel: { ...programme.file.logicModel, output: [{ ...first, nameJa: '-2+3', nameEn: '@SUM(1,2)', unit: '=1+1' }, ...rest] } },
    };
    const path = join(scratch, 'hostile.xlsx');
    await (await buildProgressWorkbook(database.db, [hostile], 'public')).xlsx.writeFile(path);
    const workbook = await readWorkbook(path);
    for (const each of workbook.worksheets) {
      each.eachRow((row) => row.eachCell((cell) => expect(cell.type, `${each.name} ${cell.address}`).not.toBe(ExcelJS.ValueType.Formula)));
    }
    const sheet = workbook.getWorksheet(programme.id) as ExcelJS.Worksheet;
    const row = sheet.getRow(locateRows(sheet).actual.get(first.id) as number);
    expect(row.getCell(3).value).toBe('-2+3\n@SUM(1,2)');
    expect(row.getCell(5).value).toBe('=1+1');
    expect(cellText(sheet.getRow(2).getCell(1))).toContain('=HYPERLINK(');
  });
});

describe('the progress table printed through LibreOffice', () => {
  it.each(['public', 'internal'] as const)('prints each programme sheet of the %s file on at most two A4 pages, the longest indicator names uncut', async (variant) => {
    const out = join(scratch, `pdf-${variant}`);
    const profile = `file://${join(scratch, `lo-profile-${variant}`)}`;
    execFileSync('soffice', [`-env:UserInstallation=${profile}`, '--headless', '--convert-to', 'pdf', '--outdir', out, files[variant]], { stdio: 'pipe', timeout: 240_000 });
    const pdf = join(out, `progress-table-${variant}.pdf`);
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))?.[1]);
    const sheetOfPage: string[] = [];
    // Every sheet of the file (a programme's review-sheet sheet, RS …, too), the longest name first: "RS x" before "x".
    const names = (await readWorkbook(files[variant])).worksheets.map((each) => each.name).sort((a, b) => b.length - a.length);
    expect(names).toEqual(expect.arrayContaining([INDEX_SHEET_NAME, ...listProgrammes().map((p) => p.id)]));
    for (let page = 1; page <= pages; page++) {
      const text = execFileSync('pdftotext', ['-f', String(page), '-l', String(page), '-layout', pdf, '-'], { encoding: 'utf8' });
      // The page header names the sheet: the first line with text.
      const header = text.split('\n').find((line) => line.trim() !== '') ?? '';
      const sheet = names.find((name) => header.includes(name));
      expect(sheet, `page ${page} header: ${header}`).toBeDefined();
      if (variant === 'internal') expect(header, `page ${page}`).toContain(INTERNAL_MARK);
      sheetOfPage.push(sheet as string);
    }
    for (const name of names) {
      const count = sheetOfPage.filter((sheet) => sheet === name).length;
      expect(count, name).toBeGreaterThanOrEqual(1);
      expect(count, name).toBeLessThanOrEqual(2);
    }
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    const indicators = listProgrammes().flatMap(allIndicators);
    const longest = (names: string[]) => names.reduce((a, b) => (displayWidth(b) > displayWidth(a) ? b : a));
    expect(text).toContain(longest(indicators.map((i) => i.nameJa)));
    expect(text).toContain(longest(indicators.map((i) => i.nameEn)));
  }, 300_000);
});

describe('ebpm report --format xlsx', () => {
  it('writes the public and the internal variant to their own files', () => {
    const out = join(scratch, 'cli');
    const internal = ebpmWith({ DATABASE_URL: database.url }, 'report', '--format', 'xlsx', '--out', out);
    expect(internal.status, internal.stderr).toBe(0);
    expect(internal.stdout).toContain('progress-table-internal.xlsx');
    const published = ebpmWith({ DATABASE_URL: database.url }, 'report', '--format', 'xlsx', '--public', '--out', out);
    expect(published.status, published.stderr).toBe(0);
    expect(published.stdout).toContain('progress-table-public.xlsx');
    const one = ebpmWith({ DATABASE_URL: database.url }, 'report', '--format', 'xlsx', '--public', '--programme', 'critical-minerals', '--out', out);
    expect(one.stdout).toContain('progress-table-public-critical-minerals.xlsx');
  });
});
