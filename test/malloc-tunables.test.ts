/**
 * Where ebpm starts node itself, it starts it with glibc's malloc.hugetlb tunable (runtime/malloc-tunables.ts): the
 * Docker image's environment and `npm run demo`. A caller's own GLIBC_TUNABLES comes after it, so it wins.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAUNCH_MALLOC_TUNABLES, launchTunables } from '../runtime/malloc-tunables.js';

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');

/** The environment variable the demo script's node sees, given the caller's own. */
function tunablesOfDemo(callersOwn: string | undefined): string {
  const script = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.demo;
  const start = script.split('&&').at(-1)!.trim();
  expect(start).toMatch(/node dist\/cli\/main\.js demo$/);
  // The same shell line, with a node that prints what it was given instead of running the demo.
  const printing = start.replace(/node dist\/cli\/main\.js demo$/, `"${process.execPath}" -e "process.stdout.write(process.env.GLIBC_TUNABLES ?? '')"`);
  const environment: NodeJS.ProcessEnv = { ...process.env };
  if (callersOwn === undefined) delete environment.GLIBC_TUNABLES;
  else environment.GLIBC_TUNABLES = callersOwn;
  const result = spawnSync('/bin/sh', ['-c', printing], { encoding: 'utf8', env: environment });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

describe('the malloc setting ebpm starts node with', () => {
  it('is in the environment of the Docker image that runs the worker and the commands', () => {
    const stages = read('Dockerfile').split(/^FROM /m);
    expect(stages.at(-1)).toMatch(new RegExp(`^ENV GLIBC_TUNABLES=${LAUNCH_MALLOC_TUNABLES.replaceAll('.', '\\.')}$`, 'm'));
  });

  it("is given by npm run demo, with the caller's own setting after it so that the caller's wins", () => {
    expect(tunablesOfDemo(undefined)).toBe(launchTunables(undefined));
    const own = 'glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2';
    expect(tunablesOfDemo(own)).toBe(launchTunables(own));
    expect(launchTunables(own)).toBe(`${LAUNCH_MALLOC_TUNABLES}:${own}`);
  });
});
