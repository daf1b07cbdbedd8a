/**
 * A worker's pool has a connection more than it runs activities: the review findings' step holds two (its
 * transaction, which holds the findings' lock, and the group of checks read beside it), while the other steps wait for
 * that lock holding one each.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POOL_SIZE, poolSizeForActivities } from '../runtime/database.js';
import { DEFAULT_MAX_CONCURRENT_ACTIVITIES } from '../runtime/worker.js';

describe('the pool of a process running activities', () => {
  it('keeps the default size for the default number of activities and grows past any larger number', () => {
    expect(poolSizeForActivities(undefined)).toBe(DEFAULT_POOL_SIZE);
    expect(poolSizeForActivities(DEFAULT_MAX_CONCURRENT_ACTIVITIES)).toBe(DEFAULT_POOL_SIZE);
    expect(DEFAULT_POOL_SIZE).toBeGreaterThan(DEFAULT_MAX_CONCURRENT_ACTIVITIES);
    for (const activities of [9, 10, 20, 64]) expect(poolSizeForActivities(activities)).toBeGreaterThan(activities);
  });
});
