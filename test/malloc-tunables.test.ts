/**
 * Where ebpm starts node itself, it starts it with glibc's malloc.hugetlb tunable (runtime/malloc-tunables.ts): the
 * Docker image's environment, and `npm run demo` and `npm run bench` through scripts/with-huge-pages.sh. A caller's
 * own GLIBC_TUNABLES is kept after it, and one that sets malloc.hugetlb itself is left as it is.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAUNCH_MALLOC_TUNABLES, launchTunables } from '../runtime/malloc-tunables.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');

/** The GLIBC_TUNABLES the node of an npm script sees, given the caller's own: the script run with a node that prints it. */
function tunablesOfScript(name: 'demo' | 'bench', nodeCommand: string, callersOwn: string | undefined): string {
  const script = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts[name];
  const start = script.split('&&').at(-1)!.trim();
  expect(start.endsWith(nodeCommand)).toBe(true);
  const printing = `${start.slice(0, -nodeCommand.length)}"$NODE" -e "process.stdout.write(process.env.GLIBC_TUNABLES ?? '')"`;
  const environment: NodeJS.ProcessEnv = { ...process.env, NODE: process.execPath };
  if (callersOwn === undefined) delete environment.GLIBC_TUNABLES;
  else environment.GLIBC_TUNABLES = callersOwn;
  const result = spawnSync('/bin/sh', ['-c', printing], { cwd: root, encoding: 'utf8', env: environment });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

describe('the malloc setting ebpm starts node with', () => {
  it('is in the environment of the Docker image that runs the worker and the commands', () => {
    const stages = read('Dockerfile').split(/^FROM /m);
    expect(stages.at(-1)).toMatch(new RegExp(`^ENV GLIBC_TUNABLES=${LAUNCH_MALLOC_TUNABLES.replaceAll('.', '\\.')}$`, 'm'));
  });

  it("is given by npm run demo and npm run bench, after which the caller's own comes, unless the caller sets it", () => {
    const callers = [undefined, 'glibc.malloc.arena_max=2', 'glibc.malloc.hugetlb=0', 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0'];
    for (const [name, nodeCommand] of [['demo', 'node dist/cli/main.js demo'], ['bench', 'node dist/bench/run.js']] as const) {
      expect(callers.map((own) => tunablesOfScript(name, nodeCommand, own))).toEqual(callers.map((own) => launchTunables(own)));
    }
    expect(callers.map((own) => launchTunables(own))).toEqual([
      LAUNCH_MALLOC_TUNABLES,
      `${LAUNCH_MALLOC_TUNABLES}:glibc.malloc.arena_max=2`,
      'glibc.malloc.hugetlb=0',
      'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0',
    ]);
  });
});
