/**
 * PNG of a chart for papers and slides, rasterised from its SVG by resvg (no browser). Its text is set in
 * the charts' one font family (IPAGothic, Debian's fonts-ipafont-gothic), loaded from its file so that a
 * machine without it fails loudly rather than printing a chart with its Japanese labels missing.
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { CHART_FONT } from './charts.js';

/** Where Debian and Ubuntu install IPAGothic. */
const FONT_FILES = ['/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf', '/usr/share/fonts/truetype/fonts-japanese-gothic.ttf'];

export class ChartFontMissingError extends Error {
  constructor(readonly searched: readonly string[]) {
    super(`the chart font ${CHART_FONT} is not installed (looked for ${searched.join(', ')}); install it with: apt-get install fonts-ipafont-gothic`);
    this.name = 'ChartFontMissingError';
  }
}

export function chartFontFile(): string {
  const found = FONT_FILES.find((file) => existsSync(file));
  if (!found) throw new ChartFontMissingError(FONT_FILES);
  return found;
}

/** `scale` multiplies the SVG's size: 2 suits print (about 200 dpi for a chart sized for the screen). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const rendered = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: false, fontFiles: [chartFontFile()], defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
  }).render();
  return rendered.asPng();
}
