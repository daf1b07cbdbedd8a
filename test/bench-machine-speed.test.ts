import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestEntries, OTHER_START_FACTOR, previousRunNote, type HistoryEntry } from '../bench/history.js';
import { machineSpeedLine, measureMachineSpeed } from '../bench/machine-speed.js';

const GLIBC = 'glibc.malloc.hugetlb=1';

function entry(fields: Partial<HistoryEntry> = {}): HistoryEntry {
  return { at: '2026-12-07T15:23:30.933Z', codeVersion: 'ebpm@0.1.0+test', name: 'review-sheets-5700', size: 'a national year', subjectMs: 5499, baselineMs: 1708, ratio: 3.2195, peakRssMb: 379, glibcTunables: GLIBC, nodeStartMs: 115, ...fields };
}

describe("node's start on a bench run's machine", () => {
  it('times node starting and exiting, and names the processors node sees', async () => {
    const speed = await measureMachineSpeed(3);
    expect(speed.runs).toBe(3);
    // A whole node process: more than a millisecond anywhere, and far less than the minute a hung start would take.
    expect(speed.nodeStartMs).toBeGreaterThan(1);
    expect(speed.nodeStartMs).toBeLessThan(60_000);
    expect(speed.cores).toBeGreaterThan(0);
    expect(speed.cpuModel).not.toBe('');
  });

  it('refuses to time node fewer than once, rather than print a median of nothing', async () => {
    await expect(measureMachineSpeed(0)).rejects.toThrow(/at least once: 0 runs/);
  });

  it('prints the median start in seconds, when it was taken, and the processors', () => {
    expect(machineSpeedLine({ nodeStartMs: 115.25, runs: 15, cores: 2, cpuModel: 'AMD EPYC' })).toBe(
      "this machine: node -e 0: 0.115 s (median of 15, at the run's start); 2 cores (AMD EPYC)",
    );
  });
});

describe("a previous run's figure, printed beside a new one", () => {
  const now = { glibcTunables: GLIBC, nodeStartMs: 100 };

  it('gives the previous ratio and time alone when it was taken in the same conditions', () => {
    expect(previousRunNote(entry({ nodeStartMs: 100 }), now)).toBe(' (previous run: 3.22, 5.499 s)');
  });

  it('is left out when there is no previous run', () => {
    expect(previousRunNote(undefined, now)).toBe('');
  });

  it('says when node started slower or faster then, by the factor or more either way, and by how much', () => {
    const slower = 100 * OTHER_START_FACTOR;
    const faster = 100 / OTHER_START_FACTOR;
    expect(previousRunNote(entry({ nodeStartMs: slower }), now)).toBe(` (previous run: 3.22, 5.499 s; node -e 0 then: ${(slower / 1000).toFixed(3)} s, a slower start)`);
    expect(previousRunNote(entry({ nodeStartMs: faster }), now)).toBe(` (previous run: 3.22, 5.499 s; node -e 0 then: ${(faster / 1000).toFixed(3)} s, a faster start)`);
  });

  it('says nothing of the start when it was within the factor either way', () => {
    expect(previousRunNote(entry({ nodeStartMs: 100 * OTHER_START_FACTOR - 0.01 }), now)).toBe(' (previous run: 3.22, 5.499 s)');
    expect(previousRunNote(entry({ nodeStartMs: 100 / OTHER_START_FACTOR + 0.01 }), now)).toBe(' (previous run: 3.22, 5.499 s)');
  });

  it('says the start was not recorded for a run written before it was kept, rather than pass it off as alike', () => {
    expect(previousRunNote(entry({ nodeStartMs: undefined }), now)).toBe(' (previous run: 3.22, 5.499 s; node -e 0 then: not recorded)');
  });

  it('names the malloc setting of a previous run taken with another one, or says it was not recorded', () => {
    expect(previousRunNote(entry({ glibcTunables: 'glibc.malloc.hugetlb=0' }), { glibcTunables: GLIBC, nodeStartMs: 115 })).toBe(
      ' (previous run: 3.22, 5.499 s; GLIBC_TUNABLES then: glibc.malloc.hugetlb=0)',
    );
    expect(previousRunNote(entry({ glibcTunables: undefined, nodeStartMs: 40 }), { glibcTunables: GLIBC, nodeStartMs: 115 })).toBe(
      ' (previous run: 3.22, 5.499 s; node -e 0 then: 0.040 s, a faster start; GLIBC_TUNABLES then: not recorded)',
    );
  });
});

describe("the bench's history file", () => {
  it("gives each benchmark's latest entry, skipping blank lines, and nothing for a file not yet written", () => {
    const folder = mkdtempSync(join(tmpdir(), 'ebpm-bench-history-'));
    try {
      const file = join(folder, 'history.jsonl');
      expect(latestEntries(file).size).toBe(0);
      const lines = [entry({ ratio: 3.6 }), entry({ name: 'estimate-100k', ratio: 2.25 }), entry({ ratio: 3.22, nodeStartMs: 151 })].map((e) => JSON.stringify(e));
      writeFileSync(file, `${lines[0]}\n\n${lines[1]}\n${lines[2]}\n`);
      const latest = latestEntries(file);
      expect([...latest.keys()].sort()).toEqual(['estimate-100k', 'review-sheets-5700']);
      expect(latest.get('review-sheets-5700')).toMatchObject({ ratio: 3.22, nodeStartMs: 151 });
      expect(latest.get('estimate-100k')?.ratio).toBe(2.25);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
