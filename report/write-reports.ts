/** Writes the HTML reports (one per programme and an index) and the SVG event-study plots to a folder. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Programme } from '../programmes/catalogue.js';
import type { Database } from '../sql/database.js';
import { isHeadline } from '../analysis/effect-rows.js';
import { rdScatterChart, seriesChart, syntheticPathChart, type VegaLiteSpec } from './charts.js';
import { readReportData } from './report-data.js';
import { renderIndex, renderProgrammeReport, type VendorScripts } from './render-report.js';
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

export async function writeReports(db: Kysely<Database>, programmes: readonly Programme[], outDir: string, options: { publicVersion?: boolean } = {}): Promise<WrittenReports> {
  mkdirSync(outDir, { recursive: true });
  const vendor = vendorScripts();
  const pages: string[] = [];
  const svgs: string[] = [];
  const pngs: string[] = [];
  const headlines: { id: string; nameJa: string; nameEn: string; headline: string }[] = [];
  for (const programme of programmes) {
    const data = await readReportData(db, programme, options);
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
    const headline = data.effects.find((effect) => isHeadline(effect.estimator));
    headlines.push({
      id: programme.id,
      nameJa: programme.nameJa,
      nameEn: programme.nameEn,
      headline: !headline
        ? 'not evaluated yet'
        : headline.status !== 'estimated'
          ? `${headline.outcome}: not estimated`
          : headline.withheld
            ? `${headline.outcome}: withheld (too few firms to publish)`
            : `${headline.outcome}: ${headline.estimate?.toFixed(2)} [${headline.ciLow?.toFixed(2)}, ${headline.ciHigh?.toFixed(2)}]`,
    });
  }
  const index = join(outDir, 'index.html');
  writeFileSync(index, renderIndex(headlines));
  return { index, pages, svgs, pngs };
}
