/** Readable tables of a staggered-DiD estimate, in the spirit of did's summary() output. */
import type { DidReport, SampleDesign, StaggeredDidOptions } from '../stats/did/estimate.js';
import type { TwfeComparison } from './commands/estimate-panel.js';
import { formatTable } from './format.js';

const Z = 1.959963984540054;

function fixed(value: number | null, digits = 4): string {
  return value === null || !Number.isFinite(value) ? 'NA' : value.toFixed(digits);
}

function interval(att: number | null, se: number | null, critical = Z): string {
  if (att === null || se === null) return '';
  return `[${fixed(att - critical * se)}, ${fixed(att + critical * se)}]`;
}

function significance(att: number | null, low: number | null, high: number | null): string {
  if (att === null || low === null || high === null) return '';
  return low > 0 || high < 0 ? '*' : '';
}

const SAMPLE_LABELS: Record<SampleDesign, string> = {
  balanced: 'balanced panel',
  unbalanced: 'unbalanced panel (R did)',
  unbalanced_paired: 'unbalanced panel (paired)',
  repeated_cross_sections: 'repeated cross-sections',
};

export function formatDidSummary(report: DidReport, options: StaggeredDidOptions, outcome: string, twfe: TwfeComparison | null): string {
  const sections: string[] = [];
  const control = options.control === 'never' ? 'never treated' : 'not yet treated';
  const sample = SAMPLE_LABELS[options.sample ?? 'balanced'];
  const units = options.sample === 'repeated_cross_sections' ? 'observations' : 'units';
  sections.push(
    "Group-time average treatment effects (Callaway & Sant'Anna 2021)\n" +
      `outcome ${outcome} · ${report.n.units} ${units} × ${report.n.periods} periods · ${sample} · comparison: ${control} · ` +
      `method: ${options.method} · base period: ${options.basePeriod} · anticipation: ${options.anticipation}`,
  );
  const band = report.bootstrap?.attgt;
  sections.push(
    formatTable(
      ['group', 'time', 'ATT(g,t)', 'std. error', '95% pointwise CI', ...(band ? [`95% uniform band (c = ${band.criticalValue.toFixed(3)})`] : [])],
      report.attgt.map((cell) => {
        const boot = band?.cells.find((c) => c.group === cell.group && c.time === cell.time);
        return [
          String(cell.group),
          String(cell.time),
          fixed(cell.att),
          cell.se === null && cell.att === 0 ? 'reference' : fixed(cell.se),
          interval(cell.att, cell.se),
          ...(band ? [boot ? `[${fixed(boot.bandLow)}, ${fixed(boot.bandHigh)}]${significance(boot.att, boot.bandLow, boot.bandHigh)}` : ''] : []),
        ];
      }),
    ),
  );
  sections.push(
    report.pretest
      ? `Pre-test of parallel trends (Wald, ${report.pretest.df} pre-treatment cells): W = ${report.pretest.statistic.toFixed(4)}, ` +
          `p = ${report.pretest.pvalue.toFixed(5)}${report.pretest.pvalue < 0.05 ? '  — parallel trends rejected at 5%' : ''}`
      : 'Pre-test of parallel trends: not available (see notes)',
  );
  const a = report.aggregations;
  const bootstrapSe = report.bootstrap;
  sections.push(
    'Aggregated effects\n' +
      formatTable(
        ['aggregation', 'ATT', 'std. error', '95% CI', ...(bootstrapSe ? ['bootstrap s.e.'] : []), 'meaning'],
        [
          ['simple', a.simple, bootstrapSe?.simple.se, 'average over all post-treatment cells, weighted by cohort size'],
          ['dynamic', a.dynamic, bootstrapSe?.dynamic.se, 'average of the event-time effects for e ≥ 0'],
          ['group', a.group, bootstrapSe?.group.se, 'average of the cohort effects, weighted by cohort size'],
          ['calendar', a.calendar, bootstrapSe?.calendar.se, 'average of the calendar-period effects'],
        ].map(([name, estimate, bootSe, meaning]) => {
          const e = estimate as { att: number; se: number | null };
          return [name as string, fixed(e.att), fixed(e.se), interval(e.att, e.se), ...(bootstrapSe ? [fixed((bootSe as number | null | undefined) ?? null)] : []), meaning as string];
        }),
      ),
  );
  const series = <K extends 'e' | 'group' | 'time'>(title: string, key: K, label: string, rows: readonly (Record<K, number> & { att: number; se: number | null })[], bands?: { criticalValue: number; by: readonly (Record<K, number> & { bandLow: number | null; bandHigh: number | null; att: number })[] }) =>
    `${title}\n` +
    formatTable(
      [label, 'ATT', 'std. error', '95% pointwise CI', ...(bands ? [`95% uniform band (c = ${bands.criticalValue.toFixed(3)})`] : [])],
      rows.map((row, i) => [
        String(row[key]),
        fixed(row.att),
        fixed(row.se),
        interval(row.att, row.se),
        ...(bands ? [`[${fixed(bands.by[i].bandLow)}, ${fixed(bands.by[i].bandHigh)}]${significance(bands.by[i].att, bands.by[i].bandLow, bands.by[i].bandHigh)}`] : []),
      ]),
    );
  sections.push(series('Dynamic effects (event study; e = periods since treatment)', 'e', 'e', a.dynamic.by, report.bootstrap?.dynamic));
  sections.push(series('Effects by cohort (group = first treated period)', 'group', 'group', a.group.by, report.bootstrap?.group));
  sections.push(series('Effects by calendar period', 'time', 'time', a.calendar.by, report.bootstrap?.calendar));
  if (twfe) {
    sections.push(
      'For comparison: two-way fixed effects (unit and period effects, SEs clustered by unit)\n' +
        formatTable(
          ['term', 'coefficient', 'std. error', '95% CI'],
          [
            ['static (treated)', fixed(twfe.static.coef), fixed(twfe.static.se), `[${fixed(twfe.static.ciLow)}, ${fixed(twfe.static.ciHigh)}]`],
            ...twfe.eventStudy.map((row) => [`event time ${row.e}`, fixed(row.coef), fixed(row.se), `[${fixed(row.ciLow)}, ${fixed(row.ciHigh)}]`]),
          ],
        ) +
        '\nTWFE averages with weights that can be negative when effects change over time or differ by cohort; the aggregations above do not.',
    );
  }
  if (report.bootstrap) {
    sections.push(`Bootstrap: ${report.bootstrap.draws} draws of Gaussian multipliers, seed ${report.bootstrap.seed}; * = band excludes 0.`);
  }
  if (report.notes.length) sections.push(`Notes\n${report.notes.map((note) => `- ${note}`).join('\n')}`);
  return sections.join('\n\n');
}
