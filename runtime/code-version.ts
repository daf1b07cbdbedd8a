import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../config/project-root.js';

let cached: string | undefined;

/** "ebpm@<package version>+<git commit>", or EBPM_CODE_VERSION when the deployment sets it. */
export function codeVersion(): string {
  if (cached) return cached;
  if (process.env.EBPM_CODE_VERSION) return (cached = process.env.EBPM_CODE_VERSION);
  const root = projectRoot();
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  let commit = 'nogit';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    // Not a git checkout (e.g. a container image): the package version alone identifies the code.
  }
  return (cached = `ebpm@${version}+${commit}`);
}
