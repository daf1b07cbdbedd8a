import { describe, expect, it } from 'vitest';
import { machineSpeedLine, measureMachineSpeed, otherMachineNote, OTHER_SPEED_FACTOR } from '../bench/machine-speed.js';

describe("a bench run's machine, told beside its figures", () => {
  it('times node starting and exiting, and names the processors node sees', async () => {
    const speed = await measureMachineSpeed(3);
    expect(speed.runs).toBe(3);
    // A whole node process: more than a millisecond anywhere, and far less than the minute a hung start would take.
    expect(speed.nodeStartMs).toBeGreaterThan(1);
    expect(speed.nodeStartMs).toBeLessThan(60_000);
    expect(speed.cores).toBeGreaterThan(0);
    expect(speed.cpuModel).not.toBe('');
  });

  it('prints the median start in seconds with the number of runs and the processors', () => {
    expect(machineSpeedLine({ nodeStartMs: 115.25, runs: 9, cores: 2, cpuModel: 'Intel(R) Xeon(R) Platinum' })).toBe(
      'this machine: node -e 0 0.115 s (median of 9); 2 cores (Intel(R) Xeon(R) Platinum)',
    );
  });

  it('points out a previous run taken on a machine that started node at another speed, saying which way', () => {
    expect(otherMachineNote(115, 51)).toBe(', on a slower machine: node -e 0 0.115 s');
    expect(otherMachineNote(51, 115)).toBe(', on a faster machine: node -e 0 0.051 s');
  });

  it('says nothing when the two machines start node at a like speed, up to the factor either way', () => {
    expect(otherMachineNote(100, 100)).toBe('');
    expect(otherMachineNote(100 * OTHER_SPEED_FACTOR - 0.01, 100)).toBe('');
    expect(otherMachineNote(100 / OTHER_SPEED_FACTOR + 0.01, 100)).toBe('');
    expect(otherMachineNote(100 * OTHER_SPEED_FACTOR, 100)).toBe(', on a slower machine: node -e 0 0.125 s');
  });

  it('says nothing for a previous run that did not record its machine, or a figure that is not a time', () => {
    expect(otherMachineNote(undefined, 115)).toBe('');
    expect(otherMachineNote(0, 115)).toBe('');
    expect(otherMachineNote(Number.NaN, 115)).toBe('');
    expect(otherMachineNote(115, 0)).toBe('');
  });
});
