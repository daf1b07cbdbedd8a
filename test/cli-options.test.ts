/**
 * Every command and subcommand refuses an option it does not know, and an option missing its value, before it
 * touches any service: the command's usage and exit code 2, never a worker or a migration started as if nothing
 * was wrong. DATABASE_URL and TEMPORAL_ADDRESS point at closed ports, so a command that reached for a service
 * first would fail differently (exit 1) or hang, and the test would say so.
 */
import { describe, expect, it } from 'vitest';
import { ebpmWith } from './support/compiled-cli.js';
import { USAGE } from '../cli/usage.js';

const unreachable = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere', TEMPORAL_ADDRESS: '127.0.0.1:1' };

const INVOCATIONS: readonly (readonly string[])[] = [
  ['demo'],
  ['study'],
  ['study', 'adhoc'],
  ['runs', 'list'],
  ['runs', 'show', 'RUN'],
  ['runs', 'watch', 'RUN'],
  ['runs', 'cancel', 'RUN'],
  ['estimate'],
  ['sdid'],
  ['rd'],
  ['sensitivity'],
  ['schedule', 'create'],
  ['schedule', 'list'],
  ['schedule', 'delete'],
  ['schedule', 'trigger'],
  ['worker'],
  ['migrate'],
  ['generate'],
  ['temporal', 'install'],
  ['temporal', 'start'],
  ['programmes', 'list'],
  ['programmes', 'show', 'sme-labour-saving'],
  ['programmes', 'requirements', 'sme-labour-saving'],
  ['programmes', 'validate'],
  ['programmes', 'freeze', 'sme-labour-saving'],
  ['programmes', 'power', 'sme-labour-saving'],
  ['programmes', 'register', 'sme-labour-saving'],
  ['programmes', 'registrations'],
  ['programmes', 'draft-from-review-sheet', '3522'],
  ['ingest', 'file.csv'],
  ['quarantine', 'list'],
  ['consent', 'withdraw'],
  ['consent', 'list'],
  ['report'],
  ['metabase', 'setup'],
  ['review-sheets', 'load'],
  ['review-sheets', 'check'],
  ['review-sheets', 'show', '3522'],
  ['review-sheets', 'files'],
  ['review-sheets', 'quarantine', 'abcdef'],
];

describe('the command line refuses what it does not know', () => {
  it('covers every command the usage lists', () => {
    const tried = new Set(INVOCATIONS.map(([command]) => command));
    expect([...Object.keys(USAGE)].filter((command) => !tried.has(command))).toEqual([]);
  });

  it.each(INVOCATIONS.map((words) => [words.join(' '), words] as const))('ebpm %s --no-such-option: usage and exit code 2', (_name, words) => {
    const { status, stderr } = ebpmWith(unreachable, ...words, '--no-such-option');
    expect(stderr).toContain("Unknown option '--no-such-option'");
    expect(stderr).toContain(`usage:\n  ${USAGE[words[0] as keyof typeof USAGE].split('\n')[0]}`);
    expect(status).toBe(2);
  });

  it.each([
    [['worker', '--metrics-port'], "Option '--metrics-port <value>' argument missing"],
    [['worker', '--metrics-port', '0'], '--metrics-port must be a TCP port between 1 and 65535 (got "0")'],
    [['worker', '--metrics-port', 'nine'], '--metrics-port must be a TCP port between 1 and 65535 (got "nine")'],
  ])('ebpm %j: the fault, the usage and exit code 2', (words, fault) => {
    const { status, stderr } = ebpmWith(unreachable, ...words);
    expect(stderr).toContain(fault);
    expect(stderr).toContain(`usage:\n  ${USAGE.worker.split('\n')[0]}`);
    expect(status).toBe(2);
  });

  it.each([
    [['quarantine', '--no-such-option'], 'unknown action "--no-such-option" for ebpm quarantine'],
    [['quarantine', 'show'], 'give the file id'],
  ])('ebpm %j: refused before the database is opened (and so never created), exit code 2', (words, fault) => {
    const { status, stderr } = ebpmWith(unreachable, ...words);
    expect(stderr).toContain(fault);
    expect(stderr).not.toMatch(/ECONNREFUSED|could not connect|connect/i);
    expect(status).toBe(2);
  });

  it.each(INVOCATIONS.map((words) => [words.join(' '), words] as const))('ebpm %s --help: the command\'s usage on standard output and exit code 0, no service touched', (_name, words) => {
    const { status, stdout, stderr } = ebpmWith(unreachable, ...words, '--help');
    expect(stdout).toContain(`usage:\n  ${USAGE[words[0] as keyof typeof USAGE].split('\n')[0]}`);
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });

  it('names an option given without its value, with the usage and exit code 2', () => {
    const { status, stderr } = ebpmWith(unreachable, 'study', '--programme');
    expect(stderr).toContain("Option '--programme <value>' argument missing");
    expect(stderr).toContain('usage:');
    expect(status).toBe(2);
  });
});
