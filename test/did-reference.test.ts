import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateStaggeredDid, type DidReport, type SampleDesign } from '../stats/did/estimate.js';
import type { GroupTimeOptions } from '../stats/did/group-time-effects.js';
import { readMpdta, referenceDataPath } from './support/reference-data.js';

interface ReferenceFile extends Pick<DidReport, 'attgt' | 'aggregations' | 'pretest' | 'n'> {
  config: {
    data?: string;
    covariates: string;
    control: 'nevertreated' | 'notyettreated';
    method: 'dr' | 'ipw' | 'reg';
    anticipation: number;
    base_period: 'varying' | 'universal';
    panel?: boolean;
    allow_unbalanced_panel?: boolean;
    /** A column name, or an empty object (R's NULL) when unweighted. */
    weights?: string | Record<string, never>;
  };
}

const TOLERANCE = 1e-6;
// did-reference: balanced panels; did-reference-ext: unbalanced panels, sampling weights, repeated cross-sections.
const referenceFolders = ['did-reference', 'did-reference-ext'].map((folder) => referenceDataPath(folder));
const referenceFiles = referenceFolders.flatMap((folder) =>
  readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => `${folder}/${file}`),
);
let largestRelativeError = 0;

function sampleDesignOf(config: ReferenceFile['config']): SampleDesign {
  if (config.panel === false) return 'repeated_cross_sections';
  return config.allow_unbalanced_panel ? 'unbalanced' : 'balanced';
}

function expectClose(actual: number | null, expected: number | null, label: string): void {
  if (expected === null) {
    expect(actual, label).toBeNull();
    return;
  }
  expect(actual, label).not.toBeNull();
  const error = Math.abs((actual as number) - expected) / Math.max(Math.abs(expected), 1e-300);
  largestRelativeError = Math.max(largestRelativeError, error);
  expect(error, `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(TOLERANCE);
}

function covariatesOf(formula: string): string[] {
  const terms = formula.replace(/^~/, '').split('+').map((term) => term.trim());
  return terms.filter((term) => term !== '1' && term !== '');
}

describe('staggered DiD matches R did 2.5.1 on mpdta and its unbalanced, weighted and cross-section variants to 1e-6', () => {
  it('finds all reference files', () => {
    expect(referenceFiles.length).toBeGreaterThanOrEqual(8);
  });

  for (const path of referenceFiles) {
    const file = path.split('/').slice(-2).join('/');
    it(`reproduces ${file}`, () => {
      const reference = JSON.parse(readFileSync(path, 'utf8')) as ReferenceFile;
      const mpdta = readMpdta(reference.config.data ?? 'mpdta.csv');
      const columnsByName: Record<string, number[]> = { lpop: mpdta.lpop };
      const options: GroupTimeOptions & { sample: SampleDesign } = {
        control: reference.config.control === 'nevertreated' ? 'never' : 'notyet',
        method: reference.config.method,
        anticipation: reference.config.anticipation,
        basePeriod: reference.config.base_period,
        sample: sampleDesignOf(reference.config),
      };
      const weightColumn = typeof reference.config.weights === 'string' ? reference.config.weights : null;
      if (weightColumn) expect(mpdta[weightColumn as 'w'], `${reference.config.data} has the weight column`).toBeDefined();
      const covariates = Object.fromEntries(covariatesOf(reference.config.covariates).map((name) => [name, columnsByName[name]]));
      const { report } = estimateStaggeredDid(
        {
          unitId: mpdta.countyreal,
          time: mpdta.year,
          group: mpdta.firstTreat,
          outcome: mpdta.lemp,
          covariates,
          ...(weightColumn ? { weights: mpdta[weightColumn as 'w'] } : {}),
        },
        options,
      );
      expect(report.n).toEqual(reference.n);
      expect(report.attgt.map((c) => [c.group, c.time])).toEqual(reference.attgt.map((c) => [c.group, c.time]));
      report.attgt.forEach((cell, i) => {
        expectClose(cell.att, reference.attgt[i].att, `ATT(${cell.group},${cell.time})`);
        expectClose(cell.se, reference.attgt[i].se, `SE(${cell.group},${cell.time})`);
      });
      for (const type of ['simple', 'dynamic', 'group', 'calendar'] as const) {
        expectClose(report.aggregations[type].att, reference.aggregations[type].att, `${type} att`);
        expectClose(report.aggregations[type].se, reference.aggregations[type].se, `${type} se`);
      }
      const compareBy = <K extends 'e' | 'group' | 'time'>(key: K, ours: readonly Record<K | 'att' | 'se', number | null>[], theirs: readonly Record<K | 'att' | 'se', number | null>[]) => {
        expect(ours.map((row) => row[key])).toEqual(theirs.map((row) => row[key]));
        ours.forEach((row, i) => {
          expectClose(row.att, theirs[i].att, `${key}=${row[key]} att`);
          expectClose(row.se, theirs[i].se, `${key}=${row[key]} se`);
        });
      };
      compareBy('e', report.aggregations.dynamic.by, reference.aggregations.dynamic.by);
      compareBy('group', report.aggregations.group.by, reference.aggregations.group.by);
      compareBy('time', report.aggregations.calendar.by, reference.aggregations.calendar.by);
      expect(report.pretest?.df).toBe(reference.pretest?.df);
      expectClose(report.pretest?.statistic ?? null, reference.pretest?.statistic ?? null, 'pre-test statistic');
      expectClose(report.pretest?.pvalue ?? null, reference.pretest?.pvalue ?? null, 'pre-test p-value');
    });
  }

  it('reports the largest relative error seen', () => {
    console.log(`largest relative error against did 2.5.1: ${largestRelativeError.toExponential(2)}`);
    expect(largestRelativeError).toBeLessThanOrEqual(TOLERANCE);
  });
});
