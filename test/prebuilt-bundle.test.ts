/**
 * A compiled worker uses the workflow bundle `npm run build` wrote only while it is newer than every compiled workflow
 * module; otherwise it bundles the workflows as it starts, a second or two that lands in every command's time, and
 * says why and how to avoid it (a `tsc` after `npm run build` left such a bundle behind in a benchmark once).
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshPrebuiltBundle, prebuiltBundleProblem } from '../runtime/worker.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

/** A compiled tree: dist/workflows/{index,steps}.js and, unless left out, dist/workflow-bundle.js, with these modification times (seconds). */
function compiledTree(times: { entry: number; other: number; bundle: number | null }): { entry: string; bundle: string } {
  const dist = mkdtempSync(join(tmpdir(), 'ebpm-bundle-'));
  folders.push(dist);
  const workflows = join(dist, 'workflows');
  mkdirSync(workflows);
  const entry = join(workflows, 'index.js');
  const bundle = join(dist, 'workflow-bundle.js');
  for (const [path, time] of [[entry, times.entry], [join(workflows, 'steps.js'), times.other], [bundle, times.bundle]] as const) {
    if (time === null) continue;
    writeFileSync(path, '// compiled\n');
    utimesSync(path, time, time);
  }
  return { entry, bundle };
}

describe('the prebuilt workflow bundle', () => {
  it('is used, and nothing said, while it is newer than every compiled workflow module', () => {
    const { entry, bundle } = compiledTree({ entry: 1_000, other: 1_000, bundle: 2_000 });
    expect(freshPrebuiltBundle(entry, bundle)).toBe(bundle);
    expect(prebuiltBundleProblem(entry, bundle)).toBeNull();
  });

  it('is passed over once any compiled workflow module is newer, and the worker says so and how to make a fresh one', () => {
    const { entry, bundle } = compiledTree({ entry: 1_000, other: 3_000, bundle: 2_000 });
    expect(freshPrebuiltBundle(entry, bundle)).toBeUndefined();
    const problem = prebuiltBundleProblem(entry, bundle);
    expect(problem).toContain(`${bundle} is older than the compiled workflows`);
    expect(problem).toContain('npm run build');
  });

  it('is missing: the worker says so', () => {
    const { entry, bundle } = compiledTree({ entry: 1_000, other: 1_000, bundle: null });
    expect(prebuiltBundleProblem(entry, bundle)).toContain(`${bundle} is missing`);
  });

  it('is not looked for when the workflows run from source', () => {
    const { bundle } = compiledTree({ entry: 1_000, other: 3_000, bundle: 2_000 });
    expect(prebuiltBundleProblem(join(tmpdir(), 'workflows', 'index.ts'), bundle)).toBeNull();
  });
});
