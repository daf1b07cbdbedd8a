import { describe, expect, it } from 'vitest';
import { estimateColumnsRequest, expectedEstimateColumns } from '../cli/commands/estimate-columns.js';
import { estimateArgumentsSchema } from '../cli/commands/estimate-panel.js';

describe('the columns ebpm estimate starts reading before its flags are checked', () => {
  it('are the id, weights, time, group, outcome and covariates named, in that order, covariates trimmed', () => {
    const request = expectedEstimateColumns({ data: 'p.csv', id: 'unit', weights: 'w', time: 'year', group: 'first', outcome: 'y', covariates: ' x1, x2,,x3 ' });
    expect(request && Object.entries(request)).toEqual([
      ['unit', 'id'],
      ['w', 'number'],
      ['year', 'number'],
      ['first', 'number'],
      ['y', 'number'],
      ['x1', 'number'],
      ['x2', 'number'],
      ['x3', 'number'],
    ]);
  });

  it('are the columns the checked flags ask for, in the same order, for every flag set that passes the checks', () => {
    const flagSets: Record<string, string | boolean>[] = [
      { data: 'p.csv', id: 'unit', time: 'year', group: 'first', outcome: 'y' },
      { data: 'p.csv', id: 'unit', time: 'year', group: 'first', outcome: 'y', covariates: 'x1, x2', weights: 'w' },
      { data: 'p.csv', time: 'year', group: 'first', outcome: 'y', 'repeated-cross-sections': true, covariates: ',x1,' },
      // A name given twice is one column, read once, in its first place.
      { data: 'p.csv', id: 'unit', time: 'year', group: 'year', outcome: 'y', covariates: 'y' },
    ];
    for (const flags of flagSets) {
      const asked = Object.entries(estimateColumnsRequest(estimateArgumentsSchema.parse(flags)));
      expect(Object.entries(expectedEstimateColumns(flags) ?? {})).toEqual(asked);
    }
  });

  it('leave out an id not given (repeated cross-sections) and are none while time, group or outcome is missing or empty', () => {
    expect(expectedEstimateColumns({ time: 't', group: 'g', outcome: 'y', 'repeated-cross-sections': true })).toEqual({ t: 'number', g: 'number', y: 'number' });
    expect(expectedEstimateColumns({ time: 't', group: 'g' })).toBeUndefined();
    expect(expectedEstimateColumns({ time: 't', group: '', outcome: 'y' })).toBeUndefined();
  });
});
