/**
 * Renders a Vega-Lite chart to SVG in Node (no browser, no canvas), for papers. An exported figure must read
 * alone: `renderFigureSvg` sets it in a frame with its title (Japanese and English), its unit, what the marks
 * mean, and the source line, all in one font family.
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { CHART_FONT, type VegaLiteSpec } from './charts.js';

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** What a figure says about itself around the chart. */
export interface FigureCaption {
  /** Title lines: Japanese first, then English. */
  readonly title: readonly string[];
  /** The unit of the measured axis, e.g. 万円/人 (empty for a unitless indicator). */
  readonly unit: string;
  /** Further lines under the title: what the marks mean. */
  readonly notes?: readonly string[];
  /** The source line, e.g. 出典：ebpm による推計（合成データ） / Source: ebpm estimates (synthetic data). */
  readonly source: string;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[char] as string);
}

/** Width of a line of text in IPAGothic: full-width (Japanese) characters one em, the rest half an em. */
function textWidth(text: string, fontSize: number): number {
  let ems = 0;
  for (const char of text) ems += /[\u2000-\u9fff\uff00-\uffef]/.test(char) ? 1.03 : 0.53;
  return ems * fontSize;
}

const MARGIN = 14;

/** The chart's SVG in a frame with title, unit, notes and source, every text in CHART_FONT. */
export async function renderFigureSvg(spec: VegaLiteSpec, caption: FigureCaption): Promise<string> {
  const chart = await renderSvg({ ...spec, config: { ...(spec.config ?? {}), font: CHART_FONT }, background: 'white' } as VegaLiteSpec);
  const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(chart);
  if (!size) throw new Error(`the chart SVG has no width and height on its root element; cannot frame it (starts: ${chart.slice(0, 120)})`);
  const chartWidth = Number(size[1]);
  const chartHeight = Number(size[2]);
  const lines: { text: string; size: number; bold?: boolean; colour?: string }[] = [
    ...caption.title.map((text, i) => ({ text, size: i === 0 ? 16 : 13, bold: i === 0 })),
    ...(caption.unit ? [{ text: `単位：${caption.unit} / unit: ${caption.unit}`, size: 12, colour: '#444' }] : []),
    ...(caption.notes ?? []).map((text) => ({ text, size: 11, colour: '#555' })),
  ];
  const footer = { text: caption.source, size: 11, colour: '#555' };
  const width = Math.ceil(Math.max(chartWidth, ...[...lines, footer].map((line) => textWidth(line.text, line.size) + 2 * MARGIN)));
  let y = MARGIN;
  const header = lines
    .map((line) => {
      y += line.size * 1.35;
      return `<text x="${MARGIN}" y="${y.toFixed(1)}" font-family="${CHART_FONT}" font-size="${line.size}"${line.bold ? ' font-weight="bold"' : ''} fill="${line.colour ?? '#222'}">${escapeXml(line.text)}</text>`;
    })
    .join('');
  const chartTop = Math.ceil(y + 8);
  const footerY = chartTop + chartHeight + 6 + footer.size;
  const height = Math.ceil(footerY + MARGIN / 2);
  const nested = chart.replace(/^<svg\b/, `<svg x="0" y="${chartTop}"`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${CHART_FONT}">` +
    `<rect width="${width}" height="${height}" fill="white"/>${header}${nested}` +
    `<text x="${MARGIN}" y="${footerY.toFixed(1)}" font-family="${CHART_FONT}" font-size="${footer.size}" fill="${footer.colour}">${escapeXml(footer.text)}</text></svg>`
  );
}
