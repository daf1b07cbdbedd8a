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
import { readEffects, readMinCellUnits, readReportData, type ReportVariant } from './report-data.js';
import { renderIndex, renderProgrammeReport, type IndexEntry, type VendorScripts } from './render-report.js';
import { svgToPng } from './png.js';
import { renderSvg } from './svg.js';

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
    const figures: { name: string; spec: VegaLiteSpec }[] = [
      ...[...new Set(data.eventStudy.published.map((row) => row.outcome))].map((outcome) => ({
        name: `event-study-${outcome}`,
        spec: seriesChart(data.eventStudy.published.filter((row) => row.outcome === outcome), 'years since award', { shadePreTreatment: true }),
      })),
      ...[...new Set(data.syntheticPaths.published.map((row) => row.outcome))].map((outcome) => ({
        name: `synthetic-path-${outcome}`,
        spec: syntheticPathChart(data.syntheticPaths.published.filter((row) => row.outcome === outcome)),
      })),
      ...[...new Set(data.rdBins.map((row) => row.outcome))].map((outcome) => ({ name: `rd-scatter-${outcome}`, spec: rdScatterChart(data.rdBins.filter((row) => row.outcome === outcome)) })),
    ];
    for (const figure of figures) {
      const svg = join(outDir, `${programme.id}-${figure.name}.svg`);
      const drawing = await renderSvg(figure.spec);
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
    });
  }
  return renderIndex(entries, variant, await readMinCellUnits(db));
}
