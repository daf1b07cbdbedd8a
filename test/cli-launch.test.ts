/**
 * The `ebpm` command as npx and the Docker image run it: the compiled file executed directly, through its first
 * line, which starts node with glibc's malloc.hugetlb tunable (runtime/malloc-tunables.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAUNCH_MALLOC_TUNABLES, launchTunables } from '../runtime/malloc-tunables.js';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** Runs `ebpm --help` as an executable and returns the GLIBC_TUNABLES its node process saw. */
function tunablesSeenBy(callersOwn: string | undefined): string {
  const environment: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '--import=data:text/javascript,process.stderr.write(`tunables=${process.env.GLIBC_TUNABLES}\\n`)' };
  if (callersOwn === undefined) delete environment.GLIBC_TUNABLES;
  else environment.GLIBC_TUNABLES = callersOwn;
  const result = spawnSync(cli, ['--help'], { encoding: 'utf8', env: environment });
  expect(result.error).toBeUndefined();
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('usage');
  const seen = /^tunables=(.*)$/m.exec(result.stderr);
  expect(seen, result.stderr).not.toBeNull();
  return seen![1];
}

describe('the ebpm command as an executable', () => {
  it('starts node with the malloc tunable that gives large arrays huge pages', () => {
    expect(tunablesSeenBy(undefined)).toBe(launchTunables(undefined));
    expect(tunablesSeenBy(undefined).split(':')).toContain(LAUNCH_MALLOC_TUNABLES);
  });

  it("keeps the caller's own GLIBC_TUNABLES after its own, so that the caller's setting of the same tunable wins", () => {
    const own = 'glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2';
    const seen = tunablesSeenBy(own);
    expect(seen).toBe(launchTunables(own));
    expect(seen.endsWith(`:${own}`)).toBe(true);
  });
});
