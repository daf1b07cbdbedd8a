/**
 * A PostgreSQL server of the test's own, in a temporary directory on a free port, so that a test can
 * restart it without disturbing the tests that share the machine's server. Uses the machine's PostgreSQL
 * binaries (pg_config --bindir); as root, the server runs as the postgres user, since initdb refuses root.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/NAME */
  url(database: string): string;
  /** Stops and starts the server (fast shutdown: open connections are cut, as in a real restart). */
  restart(): void;
  stop(): void;
}

function binDirectory(): string {
  try {
    return execFileSync('pg_config', ['--bindir']).toString().trim();
  } catch {
    const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
    if (versions.length === 0) throw new Error('no PostgreSQL binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin): install the postgresql package');
    return join('/usr/lib/postgresql', versions[versions.length - 1], 'bin');
  }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDirectory();
  const root = mkdtempSync(join(tmpdir(), 'ebpm-private-pg-'));
  // As root the server runs as the postgres user (node sets the child's uid and gid; no runuser or su needed).
  const owner: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    owner.uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    owner.gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(root, owner.uid, owner.gid);
  }
  const run = (program: string, args: string[]) => execFileSync(join(bin, program), args, { stdio: 'pipe', ...owner });
  const data = join(root, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const pgCtl = (...args: string[]) => run('pg_ctl', ['-D', data, '-l', join(root, 'server.log'), '-o', options, '-w', '-t', '60', ...args]);
  pgCtl('start');
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    restart: () => void pgCtl('restart', '-m', 'fast'),
    stop() {
      try {
        pgCtl('stop', '-m', 'immediate');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
