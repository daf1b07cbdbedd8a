import { describe, expect, it } from 'vitest';
import { rdScatterChart, seriesChart, syntheticPathChart, type VegaLiteSpec } from '../report/charts.js';
import type { OutcomeIndicator } from '../report/outcome-indicator.js';
import { outcomeIndicator } from '../report/outcome-indicator.js';
import { svgToPng } from '../report/png.js';
import { renderFigureSvg, renderSvg } from '../report/svg.js';
import { getProgramme } from '../programmes/catalogue.js';
import type { SeriesRow } from '../report/report-data.js';

const PRODUCTIVITY: OutcomeIndicator = { nameJa: '補助事業者の労働生産性', nameEn: 'Labour productivity of supported firms', unit: '万円/人' };

function eventStudyRows(): SeriesRow[] {
  return [-3, -2, -1, 0, 1, 2].map((key) => ({ outcome: 'labour_productivity', key, estimate: key < 0 ? 0.1 * key : 5 + key, ciLow: key - 1, ciHigh: key + 7, bandLow: key - 2, bandHigh: key + 8 }));
}

function cohortRows(): SeriesRow[] {
  return [2021, 2022, 2023].map((key) => ({ outcome: 'labour_productivity', key, estimate: 4, ciLow: 2, ciHigh: 6, bandLow: null, bandHigh: null }));
}

interface Layer {
  mark: { type: string } | string;
  encoding?: Record<string, { field?: string; title?: unknown; datum?: unknown; legend?: unknown; scale?: { domain?: unknown[] } }>;
  transform?: unknown[];
}

function layers(spec: VegaLiteSpec): Layer[] {
  return (spec as unknown as { layer: Layer[] }).layer;
}

function titles(spec: VegaLiteSpec, channel: 'x' | 'y'): string[] {
  return layers(spec).flatMap((layer) => {
    const encoding = layer.encoding?.[channel];
    return encoding?.field && encoding.title ? [([] as unknown[]).concat(encoding.title).join(' / ')] : [];
  });
}

/** The legend labels Vega draws (text of the legend-label marks). */
async function legendLabels(spec: VegaLiteSpec): Promise<string[]> {
  const svg = await renderSvg(spec);
  const group = /role-legend-label[\s\S]*?(?=<\/g><\/g>)/g;
  return [...svg.matchAll(group)].flatMap((match) => [...match[0].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((text) => text[1]));
}

describe('charts a reader can read alone', () => {
  it('names the indicator in Japanese with its unit on every measured axis, and the unit of the time or score axis', () => {
    const charts = [
      seriesChart(eventStudyRows(), 'event_time', PRODUCTIVITY, { shadePreTreatment: true }),
      syntheticPathChart([{ outcome: 'labour_productivity', eventTime: -1, treatedMean: 10, syntheticShifted: 10, treatedUnits: 12 }], PRODUCTIVITY),
      rdScatterChart([{ outcome: 'labour_productivity', scoreMean: -1, outcomeMean: 2, units: 20, fitted: 2 }, { outcome: 'labour_productivity', scoreMean: 1, outcomeMean: 5, units: 20, fitted: 5 }], PRODUCTIVITY),
    ];
    for (const spec of charts) {
      const y = titles(spec, 'y');
      expect(y.length).toBeGreaterThan(0);
      for (const title of y) {
        expect(title).toContain('補助事業者の労働生産性');
        expect(title).toContain('万円/人');
        expect(title).toMatch(/labour productivity/i);
      }
    }
    expect(titles(charts[0], 'x').every((title) => title.includes('交付からの年数（年）'))).toBe(true);
    expect(titles(charts[2], 'x').every((title) => title.includes('審査点 − 基準点（点）'))).toBe(true);
  });

  it('reads the indicator of an outcome from the catalogue through the spec\u2019s outcomeIndicators', () => {
    expect(outcomeIndicator(getProgramme('critical-minerals'), 'secured_supply')).toEqual({ nameJa: '確保された供給量', nameEn: 'Supply secured', unit: '千t' });
  });

  it('draws no legend entry without a label or without marks: none on a chart of one kind of point, both phases on an event study', async () => {
    const byCohort = seriesChart(cohortRows(), 'award_fiscal_year', PRODUCTIVITY);
    expect(layers(byCohort).some((layer) => layer.encoding?.color)).toBe(false);
    expect(await legendLabels(byCohort)).toEqual([]);
    const eventStudy = await legendLabels(seriesChart(eventStudyRows(), 'event_time', PRODUCTIVITY, { shadePreTreatment: true }));
    expect(eventStudy).toEqual(['交付前 / before award', '交付後 / after award']);
    const afterOnly = await legendLabels(seriesChart(eventStudyRows().filter((row) => row.key >= 0), 'event_time', PRODUCTIVITY, { shadePreTreatment: true }));
    expect(afterOnly).toEqual([]);
    const path = await legendLabels(syntheticPathChart([-2, -1, 0].map((eventTime) => ({ outcome: 'x', eventTime, treatedMean: 1, syntheticShifted: 1, treatedUnits: 12 })), PRODUCTIVITY));
    expect(path.every((label) => label.trim().length > 0)).toBe(true);
    expect(new Set(path)).toEqual(new Set(['採択 / awarded', '合成対照 / synthetic comparison']));
  });

  it('draws the uniform band as one box per event time, centred on it, not as a ramp between event times', () => {
    const spec = seriesChart(eventStudyRows(), 'event_time', PRODUCTIVITY, { shadePreTreatment: true });
    const bands = layers(spec).filter((layer) => layer.encoding?.y?.field === 'bandLow');
    expect(bands).toHaveLength(1);
    const [band] = bands;
    expect(typeof band.mark === 'string' ? band.mark : band.mark.type).toBe('rect');
    expect(band.encoding?.x?.field).toBe('xLow');
    expect(band.encoding?.x2?.field).toBe('xHigh');
    const values = (spec as unknown as { data: { values: { x: number; xLow: number; xHigh: number }[] } }).data.values;
    for (const value of values) {
      expect(value.xHigh - value.xLow).toBeGreaterThan(0);
      expect(value.xHigh - value.xLow).toBeLessThan(1);
      expect((value.xLow + value.xHigh) / 2).toBeCloseTo(value.x, 12);
    }
    expect(layers(seriesChart(cohortRows(), 'award_fiscal_year', PRODUCTIVITY)).some((layer) => layer.encoding?.y?.field === 'bandLow')).toBe(false);
  });

  it('exports an SVG with title, unit, notes and source in one font family, and rasterises it with that font', async () => {
    const svg = await renderFigureSvg(seriesChart(eventStudyRows(), 'event_time', PRODUCTIVITY, { shadePreTreatment: true }), {
      title: ['中小企業省力化投資補助事業：イベントスタディ — 補助事業者の労働生産性', 'SME labour-saving investment subsidy: event study — Labour productivity of supported firms'],
      unit: '万円/人',
      notes: ['網掛け：一様95%信頼帯', 'shaded boxes: uniform 95% band'],
      source: '出典：ebpm による推計（合成データ） / Source: ebpm estimates (synthetic data)',
    });
    for (const text of ['中小企業省力化投資補助事業：イベントスタディ', 'SME labour-saving investment subsidy: event study', '単位：万円/人 / unit: 万円/人', '網掛け：一様95%信頼帯', '出典：ebpm による推計（合成データ） / Source: ebpm estimates (synthetic data)']) {
      expect(svg).toContain(text);
    }
    const families = new Set([...svg.matchAll(/font-family(?:="|:\s*)([^";]*)/g)].map((match) => match[1].trim()));
    expect(families).toEqual(new Set(['IPAGothic']));
    const png = svgToPng(svg);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
  });
});
