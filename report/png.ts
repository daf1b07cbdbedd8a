/**
 * PNG of a chart for papers and slides, rasterised from its SVG by resvg (no browser). Text is drawn with
 * the system's fonts; Japanese labels need a Japanese font installed (e.g. Debian's fonts-ipafont-gothic).
 */
import { Resvg } from '@resvg/resvg-js';

/** `scale` multiplies the SVG's size: 2 suits print (about 200 dpi for a chart sized for the screen). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const rendered = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'sans-serif' },
  }).render();
  return rendered.asPng();
}
