/** Vega-Lite specifications of the report's charts (rendered in the browser, or to SVG for papers). */
import type { TopLevelSpec } from 'vega-lite';
import type { SeriesRow } from './report-data.js';

export type VegaLiteSpec = TopLevelSpec;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Point estimates with pointwise intervals (bars) and, where there is one, the uniform band (shaded). */
export function seriesChart(rows: readonly SeriesRow[], xTitle: string, options: { readonly shadePreTreatment?: boolean } = {}): VegaLiteSpec {
  const values = rows.map((row) => ({
    x: row.key,
    estimate: row.estimate,
    ciLow: row.ciLow,
    ciHigh: row.ciHigh,
    bandLow: row.bandLow,
    bandHigh: row.bandHigh,
    phase: options.shadePreTreatment && row.key < 0 ? '交付前 / before award' : '交付後 / after award',
  }));
  const x = { field: 'x', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1, format: 'd' } } as const;
  return {
    $schema: SCHEMA,
    width: 560,
    height: 260,
    data: { values },
    layer: [
      { mark: { type: 'area', opacity: 0.18, color: '#4c78a8' }, encoding: { x, y: { field: 'bandLow', type: 'quantitative' }, y2: { field: 'bandHigh' } } },
      { mark: { type: 'rule', color: '#555' }, encoding: { x, y: { field: 'ciLow', type: 'quantitative' }, y2: { field: 'ciHigh' } } },
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y: { field: 'estimate', type: 'quantitative', title: '効果 / effect' },
          color: {
            field: 'phase',
            type: 'nominal',
            title: null,
            scale: { domain: ['交付前 / before award', '交付後 / after award'], range: ['#e45756', '#4c78a8'] },
          },
          tooltip: [
            { field: 'x', title: xTitle },
            { field: 'estimate', format: '.2f', title: '効果 / effect' },
            { field: 'ciLow', format: '.2f', title: '95% CI low' },
            { field: 'ciHigh', format: '.2f', title: '95% CI high' },
          ],
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#999' }, encoding: { y: { datum: 0 } } },
    ],
  };
}
