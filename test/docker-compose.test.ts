import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { environmentSchema } from '../config/environment.js';
import { metabaseEnvironmentSchema } from '../config/metabase-environment.js';

function composeCommand(): string[] {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose'];
  throw new Error('neither `docker compose` nor `docker-compose` is installed; install one (e.g. apt-get install docker-compose) to check docker-compose.yml');
}

describe('docker-compose.yml', () => {
  it('parses with `docker compose config`', () => {
    const [command, ...args] = composeCommand();
    const result = spawnSync(command, [...args, 'config', '-q'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('builds an image from every source folder the compiler reads (Dockerfile)', () => {
    const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
    const { include } = JSON.parse(readFileSync(new URL('../tsconfig.json', import.meta.url), 'utf8')) as { include: string[] };
    expect(include.filter((folder) => !dockerfile.includes(`COPY ${folder} ./${folder}`))).toEqual([]);
    expect(dockerfile).toContain('COPY programmes/catalogue ./programmes/catalogue');
  });

  it('sets only environment variables that the ebpm code reads', () => {
    const compose = readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8');
    const ebpmKeys = [...compose.matchAll(/^\s+((?:EBPM|TEMPORAL|DATABASE|MB)_[A-Z_]+):/gm)].map((match) => match[1]);
    // Metabase's own MB_DB_FILE is the one MB_ key ebpm does not read.
    const known = [...Object.keys(environmentSchema.shape), ...Object.keys(metabaseEnvironmentSchema.shape), 'MB_DB_FILE'];
    expect(ebpmKeys.length).toBeGreaterThan(3);
    // The Temporal UI reads TEMPORAL_ADDRESS too, so every key found must be one that ebpm also understands.
    expect(ebpmKeys.filter((key) => !known.includes(key))).toEqual([]);
  });
});
