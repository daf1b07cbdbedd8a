/**
 * The spec-registration log (governance.spec_registrations, migration 0027): records a study-spec version's hash
 * the first time ebpm sees it, reads the log back and checks it. The database sets the time, the database role
 * and the place in the chain; the client says who registered it, with which code, and how.
 */
import { userInfo } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Programme } from '../programmes/catalogue.js';
import { specOfVersion } from '../programmes/catalogue.js';
import { studySpecHash, studySpecSchema } from '../schemas/study-spec.js';
import type { Database } from '../sql/database.js';
import { verifyRegistrationChain, type ChainVerdict, type SpecRegistration } from './registration-chain.js';

/** Who registers and with what, as the client states it (the database adds its own role and clock). */
export interface RegistrationSource {
  readonly registeredBy: string;
  readonly codeVersion: string;
  /** "ebpm programmes register", or "run <workflow id>". */
  readonly via: string;
}

/** EBPM_REGISTERED_BY when set (a service account names the person behind it), else the operating-system user. */
export function registeringUser(): string {
  const named = process.env.EBPM_REGISTERED_BY?.trim();
  if (named) return named;
  try {
    return userInfo().username;
  } catch {
    // A container user with no passwd entry has no name: say so rather than guess.
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

export class UnfrozenSpecError extends Error {
  constructor(
    readonly programmeId: string,
    readonly version: number,
  ) {
    super(`${programmeId} study spec v${version} has no frozen hash to register; run \`ebpm programmes freeze ${programmeId}\` first`);
    this.name = 'UnfrozenSpecError';
  }
}

interface RegistrationRow {
  sequence: string;
  programme_id: string;
  spec_version: number;
  spec_hash: string;
  spec: unknown;
  claimed_registered_at: string;
  recorded_at: Date;
  database_role: string;
  registered_by: string;
  code_version: string;
  via: string;
  previous_hash: string;
  row_hash: string;
}

function toRegistration(row: RegistrationRow): SpecRegistration {
  return {
    sequence: Number(row.sequence),
    programmeId: row.programme_id,
    specVersion: row.spec_version,
    specHash: row.spec_hash,
    spec: row.spec,
    claimedRegisteredAt: row.claimed_registered_at,
    recordedAt: row.recorded_at,
    databaseRole: row.database_role,
    registeredBy: row.registered_by,
    codeVersion: row.code_version,
    via: row.via,
    previousHash: row.previous_hash,
    rowHash: row.row_hash,
  };
}

export interface RegistrationOutcome {
  readonly registration: SpecRegistration;
  /** False when the log already held this hash (it is never recorded twice). */
  readonly newlyRecorded: boolean;
}

/**
 * Records one spec version of a programme unless the log already holds its hash; either way returns its
 * registration. Two callers at once both get the one row: the trigger serialises inserts, and the loser of the
 * race finds the winner's row.
 */
export async function registerSpecVersion(db: Kysely<Database>, programme: Programme, version: number, source: RegistrationSource): Promise<RegistrationOutcome> {
  const entry = programme.file.studySpecs.find((candidate) => candidate.version === version);
  if (!entry?.frozenHash) throw new UnfrozenSpecError(programme.id, version);
  const spec = studySpecSchema.parse(specOfVersion(programme.id, entry));
  const specHash = studySpecHash(spec);
  const inserted = await db
    .insertInto('governance.spec_registrations')
    .values({
      programme_id: programme.id,
      spec_version: version,
      spec_hash: specHash,
      spec: JSON.stringify(spec),
      claimed_registered_at: entry.registeredAt,
      registered_by: source.registeredBy,
      code_version: source.codeVersion,
      via: source.via,
    })
    .onConflict((conflict) => conflict.columns(['programme_id', 'spec_hash']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { registration: toRegistration(inserted), newlyRecorded: true };
  const existing = await recordedRegistration(db, programme.id, specHash);
  if (!existing) throw new Error(`the registration of ${programme.id} v${version} (${specHash}) was neither inserted nor found; retry`);
  return { registration: existing, newlyRecorded: false };
}

/** Records every version of a programme's spec the log does not hold yet, in version order. */
export async function registerProgrammeSpecs(db: Kysely<Database>, programme: Programme, source: RegistrationSource): Promise<RegistrationOutcome[]> {
  const outcomes: RegistrationOutcome[] = [];
  for (const entry of programme.file.studySpecs) outcomes.push(await registerSpecVersion(db, programme, entry.version, source));
  return outcomes;
}

export async function recordedRegistration(db: Kysely<Database>, programmeId: string, specHash: string): Promise<SpecRegistration | null> {
  const row = await db.selectFrom('governance.spec_registrations').selectAll().where('programme_id', '=', programmeId).where('spec_hash', '=', specHash).executeTakeFirst();
  return row ? toRegistration(row) : null;
}

/** The log in chain order, of one programme or all. */
export async function readRegistrations(db: Kysely<Database>, programmeId?: string): Promise<SpecRegistration[]> {
  let query = db.selectFrom('governance.spec_registrations').selectAll().orderBy('sequence');
  if (programmeId) query = query.where('programme_id', '=', programmeId);
  return (await query.execute()).map(toRegistration);
}

/** An evaluation run that names a registration the log no longer holds. */
export interface OrphanedRun {
  readonly runKey: string;
  readonly programmeId: string;
  readonly specVersion: number;
  readonly registrationHash: string;
}

export interface LogVerdict extends ChainVerdict {
  /** Runs whose registration row is gone (a removed tail leaves the chain itself intact; the runs remember it). */
  readonly orphanedRuns: readonly OrphanedRun[];
}

/** Recomputes the whole chain and checks that every run's registration is still in it. */
export async function verifyRegistrationLog(db: Kysely<Database>): Promise<LogVerdict> {
  const verdict = verifyRegistrationChain(await readRegistrations(db));
  const { rows } = await sql<{ run_key: string; programme_id: string; spec_version: number; spec_registration_hash: string }>`
    SELECT r.run_key, r.programme_id, r.spec_version, r.spec_registration_hash
      FROM results.evaluation_runs r
     WHERE r.spec_registration_hash IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM governance.spec_registrations g WHERE g.row_hash = r.spec_registration_hash)
     ORDER BY r.started_at`.execute(db);
  return {
    ...verdict,
    orphanedRuns: rows.map((row) => ({ runKey: row.run_key, programmeId: row.programme_id, specVersion: row.spec_version, registrationHash: row.spec_registration_hash })),
  };
}
