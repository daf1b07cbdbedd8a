/**
 * The soak's memory check (soak/report.ts), on made-up samples: growth past 20 % fails a soak of any length; a
 * drop fails only a full (20-minute) soak, whose five-minute windows the ±20 % rule is written for.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type SoakObservations } from '../soak/report.js';

const minute = 60_000;

/** Two workers sampled every 5 s; each worker's RSS is `firstMb` until the middle of the soak, `lastMb` after. */
function observations(minutes: number, firstMb: number, lastMb: number): SoakObservations {
  const warmedAt = minute;
  const endedAt = warmedAt + minutes * minute;
  const samples = [];
  for (let at = warmedAt; at <= endedAt; at += 5_000) samples.push({ at, megabytes: at < (warmedAt + endedAt) / 2 ? firstMb : lastMb });
  return {
    minutes,
    startedAt: 0,
    warmedAt,
    endedAt,
    workflows: [],
    commands: [],
    files: [],
    rss: new Map([
      ['worker 1', samples],
      ['worker 2', samples],
    ]),
    connections: [],
    poolSize: 5,
    driverConnections: 2,
    leftBehind: [],
  };
}

function memoryCheck(minutes: number, firstMb: number, lastMb: number) {
  const check = buildReport(observations(minutes, firstMb, lastMb)).checks.find((candidate) => candidate.name === 'worker memory');
  if (!check) throw new Error('the report has no worker-memory check');
  return check;
}

describe('the soak memory check', () => {
  it('fails growth past 20 % in a short soak and in a full one', () => {
    expect(memoryCheck(2, 300, 370).ok).toBe(false);
    expect(memoryCheck(20, 300, 370).ok).toBe(false);
    expect(memoryCheck(2, 300, 370).detail).toContain('+23.3 %');
  });

  it('passes a drop in a short soak, saying why, and fails the same drop in a full soak', () => {
    const short = memoryCheck(2, 395, 304);
    expect(short.ok).toBe(true);
    expect(short.detail).toContain('growth up to +20 %');
    const full = memoryCheck(20, 395, 304);
    expect(full.ok).toBe(false);
    expect(full.detail).toContain('allowed ±20 %');
  });

  it('passes a change within 20 % either way in a full soak', () => {
    expect(memoryCheck(20, 300, 340).ok).toBe(true);
    expect(memoryCheck(20, 300, 260).ok).toBe(true);
  });
});
