/**
 * Writes the HTML reports (one page per programme asked for, and an index of every programme in the catalogue)
 * and the SVG/PNG figures to a folder. A folder holds one variant: internal pages (every number, marked
 * 内部資料・公表不可) and public pages (the disclosure-controlled views only) are never mixed in one folder.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import { listProgrammes, type Programme } from '../programmes/catalogue.js';
import type { Database } from '../sql/database.js';
import { programmeHeadline } from './headline.js';
import { rdScatterChart, seriesChart, syntheticPathChart, type VegaLiteSpec } from './charts.js';
import { outcomeIndicator } from './outcome-indicator.js';
import { readEffects, readMinCellUnits, readReportData, type ReportData, type ReportVariant } from './report-data.js';
import { renderIndex, renderProgrammeReport, type IndexEntry, type VendorScripts } from './render-report.js';
import { svgToPng } from './png.js';
import { renderFigureSvg, type FigureCaption } from './svg.js';

const require = createRequire(import.meta.url);

/** The folder of an installed package (its exports map hides the browser builds from require.resolve). */
function packageDirectory(name: string): string {
  let folder = dirname(require.resolve(name));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`cannot find the folder of the ${name} package; run npm ci`);
    folder = parent;
  }
}

function vendorScripts(): VendorScripts {
  const read = (name: string, file: string) => readFileSync(join(packageDirectory(name), file), 'utf8');
  return {
    vega: read('vega', 'build/vega.min.js'),
    vegaLite: read('vega-lite', 'build/vega-lite.min.js'),
    vegaEmbed: read('vega-embed', 'build/vega-embed.min.js'),
  };
}

/** The source line of every exported figure. */
export function sourceLine(programme: Programme): string {
  return programme.file.synthetic ? '出典：ebpm による推計（合成データ） / Source: ebpm estimates (synthetic data)' : '出典：ebpm による推計 / Source: ebpm estimates';
}

/**
 * The figures exported beside a programme's page, each with the caption that lets it be read alone: the
 * programme and indicator in the title, the unit, what the marks mean, and the source.
 */
export function exportedFigures(programme: Programme, data: ReportData): { name: string; spec: VegaLiteSpec; caption: FigureCaption }[] {
  const outcomesOf = (rows: readonly { outcome: string }[]) => [...new Set(rows.map((row) => row.outcome))];
  const caption = (outcome: string, what: { ja: string; en: string }, notes: readonly string[]): FigureCaption => {
    const indicator = outcomeIndicator(programme, outcome);
    return {
      title: [`${programme.nameJa}：${what.ja} — ${indicator.nameJa}`, `${programme.nameEn}: ${what.en} — ${indicator.nameEn}`],
      unit: indicator.unit,
      // A figure copied out of the internal folder still says it must not be published.
      notes: data.variant === 'internal' ? ['内部資料・公表不可 / Internal — not for publication', ...notes] : notes,
      source: sourceLine(programme),
    };
  };
  return [
    ...outcomesOf(data.eventStudy.published).map((outcome) => ({
      name: `event-study-${outcome}`,
      spec: seriesChart(data.eventStudy.published.filter((row) => row.outcome === outcome), 'event_time', outcomeIndicator(programme, outcome), { shadePreTreatment: true }),
      caption: caption(outcome, { ja: 'イベントスタディ（交付からの年数別の効果）', en: 'event study (effect by years since award)' }, [
        '点：推定値、縦線：各点の95%信頼区間、網掛け：一様95%信頼帯（全時点を同時に覆う）',
        'dots: estimates; bars: pointwise 95% intervals; shaded boxes: uniform 95% band (covers all event times at once)',
      ]),
    })),
    ...outcomesOf(data.syntheticPaths.published).map((outcome) => ({
      name: `synthetic-path-${outcome}`,
      spec: syntheticPathChart(
        data.syntheticPaths.published.filter((row) => row.outcome === outcome),
        outcomeIndicator(programme, outcome),
        data.syntheticPaths.withheld.filter((cell) => cell.outcome === outcome).map((cell) => cell.eventTime),
      ),
      caption: caption(outcome, { ja: '合成DiD（採択と合成対照の推移）', en: 'synthetic DiD (awarded units against their synthetic comparison)' }, [
        '採択コホートを交付年で揃え、採択数で加重平均。点線：交付の直前',
        'cohorts aligned on their award year, averaged by awarded units; dotted line: just before award',
      ]),
    })),
    ...outcomesOf(data.rdBins).map((outcome) => ({
      name: `rd-scatter-${outcome}`,
      spec: rdScatterChart(data.rdBins.filter((row) => row.outcome === outcome), outcomeIndicator(programme, outcome)),
      caption: caption(outcome, { ja: '回帰不連続（審査点の基準点での変化）', en: 'regression discontinuity (change at the review-score cut-off)' }, [
        '点：審査点のビンごとの平均（大きさは単位数）、線：基準点の両側の局所多項式',
        'dots: bin means (size: units); lines: local polynomial fits either side',
      ]),
    })),
  ];
}

export interface WrittenReports {
  readonly index: string;
  readonly pages: readonly string[];
  readonly svgs: readonly string[];
  /** The same plots as PNG (twice the SVG's size). */
  readonly pngs: readonly string[];
}

/** Writing one variant into a folder that holds the other would put internal numbers beside public pages. */
export class ReportVariantMismatchError extends Error {
  constructor(
    readonly folder: string,
    readonly existing: string,
    readonly requested: ReportVariant,
  ) {
    super(`${folder} holds ${existing} reports; writing ${requested} ones there would mix the two. Give another --out folder (for example ${join(folder, requested)}) or empty this one.`);
    this.name = 'ReportVariantMismatchError';
  }
}

/** The variant of the reports already in a folder, from its index's ebpm-variant meta tag (null when there is none). */
function existingVariant(outDir: string): string | null {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return null;
  // An index written before variants existed says nothing: it may be overwritten.
  return /<meta name="ebpm-variant" content="([a-z]+)">/.exec(readFileSync(index, 'utf8'))?.[1] ?? null;
}

export async function writeReports(db: Kysely<Database>, programmes: readonly Programme[], outDir: string, options: { variant?: ReportVariant } = {}): Promise<WrittenReports> {
  const variant = options.variant ?? 'internal';
  const existing = existingVariant(outDir);
  if (existing !== null && existing !== variant) throw new ReportVariantMismatchError(outDir, existing, variant);
  mkdirSync(outDir, { recursive: true });
  const vendor = vendorScripts();
  const pages: string[] = [];
  const svgs: string[] = [];
  const pngs: string[] = [];
  for (const programme of programmes) {
    const data = await readReportData(db, programme, { variant });
    const page = join(outDir, `${programme.id}.html`);
    writeFileSync(page, renderProgrammeReport(data, vendor));
    pages.push(page);
    const figures = exportedFigures(programme, data);
    for (const figure of figures) {
      const svg = join(outDir, `${programme.id}-${figure.name}.svg`);
      const drawing = await renderFigureSvg(figure.spec, figure.caption);
      writeFileSync(svg, drawing);
      svgs.push(svg);
      const png = svg.replace(/\.svg$/, '.png');
      writeFileSync(png, svgToPng(drawing));
      pngs.push(png);
    }
  }
  const index = join(outDir, 'index.html');
  writeFileSync(index, await renderCatalogueIndex(db, outDir, variant));
  return { index, pages, svgs, pngs };
}

/**
 * The index of every programme in the catalogue, each headline read from the views as its page reads it, so the
 * index is the same whether one page or all were written; a programme without a page here is listed unlinked.
 */
async function renderCatalogueIndex(db: Kysely<Database>, outDir: string, variant: ReportVariant): Promise<string> {
  const entries: IndexEntry[] = [];
  for (const programme of listProgrammes()) {
    const effects = await readEffects(db, programme.id, variant);
    entries.push({
      id: programme.id,
      nameJa: programme.nameJa,
      nameEn: programme.nameEn,
      headline: programmeHeadline(programme, effects),
      pageWritten: existsSync(join(outDir, `${programme.id}.html`)),
      reviewSheetProjectIds: (programme.file.reviewSheetProjects ?? []).map((project) => project.projectId),
    });
  }
  return renderIndex(entries, variant, await readMinCellUnits(db));
}
