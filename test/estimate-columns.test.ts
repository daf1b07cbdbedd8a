import { describe, expect, it } from 'vitest';
import { expectedEstimateColumns } from '../cli/commands/estimate-columns.js';

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

  it('leave out an id not given (repeated cross-sections) and are none while time, group or outcome is missing or empty', () => {
    expect(expectedEstimateColumns({ time: 't', group: 'g', outcome: 'y', 'repeated-cross-sections': true })).toEqual({ t: 'number', g: 'number', y: 'number' });
    expect(expectedEstimateColumns({ time: 't', group: 'g' })).toBeUndefined();
    expect(expectedEstimateColumns({ time: 't', group: '', outcome: 'y' })).toBeUndefined();
  });
});
