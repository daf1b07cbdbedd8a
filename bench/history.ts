/**
 * The bench's history (.bench/history.jsonl, one result a line, git-ignored) and what is said beside a previous run's
 * figure when it was taken in other conditions than the new one: another malloc setting, or node starting at another
 * speed (machine-speed.ts).
 */
import { existsSync, readFileSync } from 'node:fs';

export interface HistoryEntry {
  readonly at: string;
  readonly codeVersion: string;
  readonly name: string;
  readonly size: string;
  readonly subjectMs: number;
  readonly baselineMs: number;
  readonly ratio: number;
  readonly peakRssMb: number | null;
  /** GLIBC_TUNABLES of the processes timed (absent in entries written before it was recorded). */
  readonly glibcTunables?: string;
  /** The reference program's median time where it ran (R did beside estimate-100k). */
  readonly referenceMs?: number;
  /** The median time of `node -e 0` at the run's start (absent in entries written before it was kept). */
  readonly nodeStartMs?: number;
}

/** Each benchmark's latest entry in the history file (none when there is no file yet). */
export function latestEntries(historyFile: string): Map<string, HistoryEntry> {
  const entries = new Map<string, HistoryEntry>();
  if (!existsSync(historyFile)) return entries;
  for (const line of readFileSync(historyFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as HistoryEntry;
    entries.set(entry.name, entry);
  }
  return entries;
}

/**
 * How much faster or slower node must have started for a previous run's figure to be marked: less than between machines
 * of the kind (0.05 against 0.115 s). One machine drifts too (0.110 to 0.151 s within minutes on 2026-12-07), so a mark
 * tells the conditions the figure was taken in, not that the machine was another.
 */
export const OTHER_START_FACTOR = 1.25;

/** The conditions a run's figures were taken in. */
export interface RunConditions {
  readonly glibcTunables: string;
  readonly nodeStartMs: number;
}

/**
 * What is printed after the ratio: "(previous run: 3.22, 5.499 s)", with "; node -e 0 then: 0.151 s, a slower start"
 * when node started OTHER_START_FACTOR or more slower or faster than now (or "not recorded", before it was kept), and
 * "; GLIBC_TUNABLES then: …" when the malloc setting differed. Empty without a previous run.
 */
export function previousRunNote(before: HistoryEntry | undefined, now: RunConditions): string {
  if (!before) return '';
  const conditions = [nodeStartNote(before.nodeStartMs, now.nodeStartMs), before.glibcTunables === now.glibcTunables ? '' : `; GLIBC_TUNABLES then: ${before.glibcTunables ?? 'not recorded'}`];
  return ` (previous run: ${before.ratio.toFixed(2)}, ${(before.subjectMs / 1000).toFixed(3)} s${conditions.join('')})`;
}

function nodeStartNote(thenMs: number | undefined, nowMs: number): string {
  if (thenMs === undefined || !(thenMs > 0)) return '; node -e 0 then: not recorded';
  if (!(nowMs > 0)) return '';
  const factor = thenMs / nowMs;
  if (factor < OTHER_START_FACTOR && factor > 1 / OTHER_START_FACTOR) return '';
  return `; node -e 0 then: ${(thenMs / 1000).toFixed(3)} s, a ${factor > 1 ? 'slower' : 'faster'} start`;
}
