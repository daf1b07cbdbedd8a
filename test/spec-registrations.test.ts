/**
 * The spec-registration log on a real Postgres: recorded once, in database time; one chain however many register
 * at once; UPDATE, DELETE and TRUNCATE refused even to the table's owner; a row a superuser alters behind the
 * triggers, or removes, found by --verify; runs judge "registered after the call opened" on the recorded date.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { registerProgrammeSpecs, registerSpecVersion, readRegistrations, verifyRegistrationLog, type RegistrationSource } from '../governance/spec-registrations.js';
import { registrationContent, registrationRowHash, verifyRegistrationChain } from '../governance/registration-chain.js';
import { defaultCatalogueDirectory, freezeStudySpecs, getProgramme, listProgrammes } from '../programmes/catalogue.js';
import type { ProgrammeFile } from '../schemas/catalogue.js';
import { ebpmWith } from './support/compiled-cli.js';
import { evaluateSyntheticProgramme } from './support/evaluate-directly.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

// A programme whose catalogue back-dates its spec: registeredAt typed as before the first call opened (2021-06-01).
const added = mkdtempSync(join(tmpdir(), 'ebpm-registrations-'));
{
  const programme = JSON.parse(readFileSync(join(defaultCatalogueDirectory(), 'sme-labour-saving.json'), 'utf8')) as ProgrammeFile;
  programme.id = 'backdated-pilot';
  programme.nameEn = 'A programme that back-dates its spec';
  for (const version of programme.studySpecs) Object.assign(version, { registeredAt: '2021-03-31T00:00:00+09:00', frozenHash: '' });
  writeFileSync(join(added, 'backdated-pilot.json'), JSON.stringify(programme, null, 2));
  freezeStudySpecs(added, 'backdated-pilot');
  // Read by this file's catalogue, which is loaded on first use (each test file runs in its own worker).
  process.env.EBPM_CATALOGUE_DIR = added;
}
afterAll(() => rmSync(added, { recursive: true, force: true }));

const source: RegistrationSource = { registeredBy: 'analyst-a', codeVersion: 'ebpm@test', via: 'ebpm programmes register' };
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});
afterEach(async () => {
  // Each test starts from an empty log: the table refuses TRUNCATE, so a superuser lifts the trigger for it here.
  await sql`ALTER TABLE governance.spec_registrations DISABLE TRIGGER refuse_truncate`.execute(database.db);
  await sql`TRUNCATE governance.spec_registrations, results.evaluation_runs CASCADE`.execute(database.db);
  await sql`ALTER TABLE governance.spec_registrations ENABLE TRIGGER refuse_truncate`.execute(database.db);
});

describe('the spec-registration log', () => {
  it('records each version once, in database time with the database role, and finds it again instead of recording it twice', async () => {
    const programme = getProgramme('sme-labour-saving');
    const { rows: [before] } = await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(database.db);
    const first = await registerProgrammeSpecs(database.db, programme, source);
    const { rows: [after] } = await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(database.db);
    expect(first.map((o) => [o.registration.sequence, o.registration.specVersion, o.newlyRecorded])).toEqual(programme.file.studySpecs.map((s, i) => [i + 1, s.version, true]));
    for (const { registration } of first) {
      expect(registration.recordedAt.getTime()).toBeGreaterThanOrEqual(before.now.getTime() - 1);
      expect(registration.recordedAt.getTime()).toBeLessThanOrEqual(after.now.getTime());
      expect(registration.databaseRole).toBe('postgres');
      expect(registration.registeredBy).toBe('analyst-a');
      expect(registration.specHash).toBe(programme.file.studySpecs[registration.specVersion - 1].frozenHash);
      expect(registration.claimedRegisteredAt).toBe(programme.file.studySpecs[registration.specVersion - 1].registeredAt);
    }
    const again = await registerSpecVersion(database.db, programme, programme.studySpec.version, { ...source, registeredBy: 'analyst-b' });
    expect(again.newlyRecorded).toBe(false);
    expect(again.registration).toEqual(first[first.length - 1].registration);
    expect(verifyRegistrationChain(await readRegistrations(database.db)).broken).toBeNull();
  });

  it('ebpm programmes register records every version once; programmes show then gives the claimed and the recorded date of each', () => {
    const environment = { DATABASE_URL: database.url, EBPM_REGISTERED_BY: 'analyst-c' };
    const first = ebpmWith(environment, 'programmes', 'register', 'sme-labour-saving', '--json');
    expect(first.status, first.stderr).toBe(0);
    const recorded = JSON.parse(first.stdout) as { specVersion: number; newlyRecorded: boolean; recordedAt: string; claimedRegisteredAt: string; registeredAfterCallOpened: boolean }[];
    expect(recorded.map((r) => [r.specVersion, r.newlyRecorded, r.registeredAfterCallOpened])).toEqual([[1, true, true], [2, true, true], [3, true, true]]);
    const again = JSON.parse(ebpmWith(environment, 'programmes', 'register', 'sme-labour-saving', '--json').stdout) as { newlyRecorded: boolean; recordedAt: string }[];
    expect(again.map((r) => [r.newlyRecorded, r.recordedAt])).toEqual(recorded.map((r) => [false, r.recordedAt]));
    const shown = ebpmWith(environment, 'programmes', 'show', 'sme-labour-saving');
    expect(shown.stdout).toMatch(new RegExp(`\\n1 +2021-03-31T00:00:00\\+09:00 +${recorded[0].recordedAt.replace(/\./g, '\\.')} `));
    expect(shown.stdout).toContain(`WARNING: the latest version was recorded ${recorded[2].recordedAt}, after the first call opened (2021-06-01); its results are flagged (claimed: 2026-12-02T18:00:00+09:00).`);
    const listed = ebpmWith(environment, 'programmes', 'registrations', '--verify');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/\n1 +sme-labour-saving +v1 .* 2021-03-31T00:00:00\+09:00 .* postgres +analyst-c +ebpm@[^ ]+ +ebpm programmes register /);
    expect(listed.stdout).toContain('The chain holds: 3 rows');
  });

  it('takes the time, role and place in the chain from the database, whatever the client sends', async () => {
    await sql`
      INSERT INTO governance.spec_registrations (sequence, programme_id, spec_version, spec_hash, spec, claimed_registered_at, recorded_at, database_role,
                                                 registered_by, code_version, via, previous_hash, row_hash)
      VALUES (42, 'sme-labour-saving', 1, ${'a'.repeat(64)}, '{}', '2020-01-01T00:00:00+09:00', '2020-01-01T00:00:00+09:00', 'someone-else',
              'psql', 'none', 'psql', ${'b'.repeat(64)}, ${'c'.repeat(64)})`.execute(database.db);
    const [row] = await readRegistrations(database.db);
    expect(row.sequence).toBe(1);
    expect(row.recordedAt.getUTCFullYear()).toBeGreaterThan(2025);
    expect(row.databaseRole).toBe('postgres');
    expect(row.previousHash).toBe('0'.repeat(64));
    expect(row.rowHash).toBe(registrationRowHash(row.previousHash, row));
    // The chain holds, but the stored spec does not hash to the spec hash it claims: --verify says so.
    expect(verifyRegistrationChain([row]).broken?.problem).toContain('its stored spec hashes to');
  });

  it('keeps one chain when many register at once: no two rows share a predecessor, and a hash raced for is recorded once', async () => {
    const programmes = listProgrammes().filter((p) => p.source === 'built-in');
    const clients = Array.from({ length: 6 }, () => new pg.Client({ connectionString: database.url }));
    await Promise.all(clients.map((client) => client.connect()));
    try {
      // Every client registers every programme's latest spec in its own order, at once.
      await Promise.all(
        clients.map(async (client, c) => {
          const order = programmes.map((_, i) => programmes[(i + c * 5) % programmes.length]);
          for (const programme of order) {
            await client.query(
              `INSERT INTO governance.spec_registrations (programme_id, spec_version, spec_hash, spec, claimed_registered_at, registered_by, code_version, via)
               VALUES ($1, $2, $3, $4, $5, $6, 'ebpm@test', 'race') ON CONFLICT (programme_id, spec_hash) DO NOTHING`,
              [programme.id, programme.studySpec.version, programme.specHash, JSON.stringify(programme.studySpec), programme.studySpec.registeredAt, `client ${c}`],
            );
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
    const rows = await readRegistrations(database.db);
    expect(rows.map((r) => r.sequence)).toEqual(programmes.map((_, i) => i + 1));
    expect(new Set(rows.map((r) => `${r.programmeId} ${r.specHash}`)).size).toBe(programmes.length);
    const verdict = verifyRegistrationChain(rows);
    expect(verdict.broken).toBeNull();
    expect(verdict.rows).toBe(programmes.length);
  });

  describe('against tampering', () => {
    const owner = `ebpm_log_owner_${randomBytes(3).toString('hex')}`;
    beforeAll(async () => {
      await sql`CREATE ROLE ${sql.id(owner)} NOLOGIN`.execute(database.db);
      await sql`GRANT USAGE ON SCHEMA governance TO ${sql.id(owner)}`.execute(database.db);
    });
    afterAll(async () => {
      await sql`ALTER TABLE governance.spec_registrations OWNER TO postgres`.execute(database.db);
      await sql`REVOKE ALL ON SCHEMA governance FROM ${sql.id(owner)}`.execute(database.db);
      await sql`DROP ROLE ${sql.id(owner)}`.execute(database.db);
    });

    it('refuses UPDATE, DELETE and TRUNCATE to the table\'s owner', async () => {
      await registerProgrammeSpecs(database.db, getProgramme('sme-labour-saving'), source);
      await sql`ALTER TABLE governance.spec_registrations OWNER TO ${sql.id(owner)}`.execute(database.db);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(`SET ROLE ${pg.escapeIdentifier(owner)}`);
        const { rows } = await client.query<{ owner: string }>(`SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'governance' AND tablename = 'spec_registrations'`);
        expect(rows[0].owner).toBe(owner);
        for (const [statement, operation] of [
          [`UPDATE governance.spec_registrations SET claimed_registered_at = '2020-01-01T00:00:00+09:00' WHERE sequence = 2`, 'UPDATE'],
          ['DELETE FROM governance.spec_registrations WHERE sequence = 3', 'DELETE'],
          ['TRUNCATE governance.spec_registrations', 'TRUNCATE'],
        ] as const) {
          await expect(client.query(statement), operation).rejects.toThrow(`governance.spec_registrations is append-only: ${operation} refused (for every role, its owner included)`);
        }
      } finally {
        await client.end();
        await sql`ALTER TABLE governance.spec_registrations OWNER TO postgres`.execute(database.db);
      }
      expect((await readRegistrations(database.db)).map((r) => r.claimedRegisteredAt)).toEqual(getProgramme('sme-labour-saving').file.studySpecs.map((s) => s.registeredAt));
    });

    it('finds a row a superuser altered with the trigger disabled, naming it, and the command exits 1', async () => {
      await registerProgrammeSpecs(database.db, getProgramme('sme-labour-saving'), source);
      const backdated = new Date('2020-01-01T00:00:00Z');
      await sql`ALTER TABLE governance.spec_registrations DISABLE TRIGGER refuse_update_or_delete`.execute(database.db);
      await sql`UPDATE governance.spec_registrations SET recorded_at = ${backdated} WHERE sequence = 2`.execute(database.db);
      await sql`ALTER TABLE governance.spec_registrations ENABLE TRIGGER refuse_update_or_delete`.execute(database.db);
      const verdict = await verifyRegistrationLog(database.db);
      expect(verdict.broken).toEqual({ sequence: 2, programmeId: 'sme-labour-saving', specVersion: 2, problem: expect.stringContaining('its content no longer gives its hash') });
      const shown = ebpmWith({ DATABASE_URL: database.url }, 'programmes', 'registrations', '--verify');
      expect(shown.status).toBe(1);
      expect(shown.stdout).toContain('BROKEN: row #2 (sme-labour-saving v2): its content no longer gives its hash');
      expect(shown.stdout).toContain('2020-01-01T00:00:00.000Z');
    });

    it('finds rows removed from the end through the runs that named them', async () => {
      const activities = createActivities({ db: database.db, codeVersion: 'test' });
      await activities.registerProgramme('sme-labour-saving');
      const run = await activities.registerRun({ programmeId: 'sme-labour-saving', inputFiles: [], workflowId: 'wf-tail', workflowRunId: 'wf-tail' });
      expect((await verifyRegistrationLog(database.db)).orphanedRuns).toEqual([]);
      await sql`ALTER TABLE governance.spec_registrations DISABLE TRIGGER refuse_update_or_delete`.execute(database.db);
      await sql`DELETE FROM governance.spec_registrations`.execute(database.db);
      await sql`ALTER TABLE governance.spec_registrations ENABLE TRIGGER refuse_update_or_delete`.execute(database.db);
      const verdict = await verifyRegistrationLog(database.db);
      expect(verdict.broken).toBeNull();
      expect(verdict.orphanedRuns.map((r) => r.runKey)).toEqual([run.runKey]);
      const shown = ebpmWith({ DATABASE_URL: database.url }, 'programmes', 'registrations', '--verify');
      expect(shown.status).toBe(1);
      expect(shown.stdout).toContain(`MISSING: run ${run.runKey.slice(0, 16)}… (sme-labour-saving v${run.specVersion})`);
    });
  });

  it('judges a run on the date it recorded, not the back-dated one the catalogue claims, and records who ran it', async () => {
    const programme = getProgramme('backdated-pilot');
    expect(programme.specRegisteredAfterCallOpened).toBe(false);
    const activities = createActivities({ db: database.db, codeVersion: 'test' });
    await activities.registerProgramme(programme.id);
    const spec = await activities.registerStudySpec({ programmeId: programme.id, workflowId: 'wf-backdated' });
    expect(spec).toMatchObject({ specVersion: programme.studySpec.version, claimedRegisteredAt: '2021-03-31T00:00:00+09:00', newlyRecorded: true, registeredAfterCallOpened: true });
    const run = await activities.registerRun({ programmeId: programme.id, inputFiles: [], workflowId: 'wf-backdated', workflowRunId: 'wf-backdated' });
    expect(run.specRegisteredAfterCallOpened).toBe(true);
    expect(run.specRecordedAt).toBe(spec.recordedAt);
    const stored = await database.db.selectFrom('results.evaluation_runs').select(['spec_registered_after_call_opened', 'spec_registration_hash']).where('run_key', '=', run.runKey).executeTakeFirstOrThrow();
    const [registration] = await readRegistrations(database.db, programme.id);
    expect(stored).toEqual({ spec_registered_after_call_opened: true, spec_registration_hash: registration.rowHash });
    expect(registration.via).toBe('run wf-backdated');
  });

  it('gives bi.effect_estimates both dates, the claimed and the recorded, and the flag judged on the recorded one', { timeout: 120_000 }, async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ebpm-registrations-run-'));
    try {
      await evaluateSyntheticProgramme(database.db, folder, { applicants: 400, seed: 5, withInvalidRows: false, workflowId: 'wf-effects' });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    const programme = getProgramme('sme-labour-saving');
    const [registration] = await readRegistrations(database.db, programme.id);
    const { rows } = await sql<{ spec_registered_at_claimed: string; spec_registration_recorded_at: Date; spec_registered_after_call_opened: boolean }>`
      SELECT DISTINCT spec_registered_at_claimed, spec_registration_recorded_at, spec_registered_after_call_opened FROM bi.effect_estimates WHERE programme_id = 'sme-labour-saving'`.execute(database.db);
    expect(rows).toEqual([{ spec_registered_at_claimed: programme.studySpec.registeredAt, spec_registration_recorded_at: registration.recordedAt, spec_registered_after_call_opened: true }]);
    const { rows: comments } = await sql<{ column: string; comment: string | null }>`
      SELECT a.attname AS column, col_description(a.attrelid, a.attnum) AS comment FROM pg_attribute a
       WHERE a.attrelid = 'bi.effect_estimates'::regclass AND a.attnum > 0 AND NOT a.attisdropped`.execute(database.db);
    expect(comments.filter((c) => !c.comment).map((c) => c.column)).toEqual([]);
  });
});

describe('the chain recomputed apart from the database', () => {
  it('writes each field as its byte length and value, so no value can run into the next', () => {
    const row = { sequence: 1, programmeId: 'a', specVersion: 1, specHash: 'h', claimedRegisteredAt: '日付', recordedAt: new Date('2026-01-02T03:04:05.678Z'), databaseRole: 'r', registeredBy: 'b:c', codeVersion: 'v', via: 'w' };
    expect(registrationContent(row)).toBe('1:11:a1:11:h6:日付24:2026-01-02T03:04:05.678Z1:r3:b:c1:v1:w');
    expect(registrationRowHash('0'.repeat(64), row)).not.toBe(registrationRowHash('0'.repeat(64), { ...row, registeredBy: 'b', codeVersion: 'c:v' }));
  });
});
