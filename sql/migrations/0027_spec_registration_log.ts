import { sql, type Kysely } from 'kysely';

/**
 * A registration that cannot be back-dated: governance.spec_registrations records each study-spec version's hash
 * when ebpm first sees it (`ebpm programmes register`, or a run whose spec is not there yet), in database time.
 *
 * - Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE for every role, the table's owner included (only a
 *   superuser who disables the triggers gets past them, and the chain below shows what they did).
 * - Hash-chained: each row's row_hash is SHA-256 of the previous row's hash followed by the row's content (its
 *   fields, each as "byte length:value", in a fixed order; see governance/registration-chain.ts, which recomputes it),
 *   so a row altered or removed in the middle breaks every link after it.
 * - The trigger, not the client, sets the place in the chain, the time (clock_timestamp() once the lock is held, to
 *   the millisecond) and the database role; registrations are taken one at a time under a transaction-scoped
 *   advisory lock, and previous_hash is unique, so two registrations at once cannot fork the chain.
 * Each evaluation run keeps the row hash of its spec's registration, so a removed row is missed by the runs that
 * named it.
 */
/** The advisory lock key registrations are serialised under (any fixed number; this one spells "spec" in ASCII). */
export const REGISTRATION_LOCK_KEY = 0x73706563;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS governance`.execute(db);
  await sql`
    CREATE TABLE governance.spec_registrations (
      sequence              bigint PRIMARY KEY CHECK (sequence > 0),
      programme_id          text NOT NULL,
      spec_version          integer NOT NULL CHECK (spec_version > 0),
      spec_hash             text NOT NULL CHECK (spec_hash ~ '^[0-9a-f]{64}$'),
      spec                  jsonb NOT NULL,
      claimed_registered_at text NOT NULL,
      recorded_at           timestamptz(3) NOT NULL,
      database_role         text NOT NULL,
      registered_by         text NOT NULL,
      code_version          text NOT NULL,
      via                   text NOT NULL,
      previous_hash         text NOT NULL UNIQUE CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
      row_hash              text NOT NULL UNIQUE CHECK (row_hash ~ '^[0-9a-f]{64}$'),
      UNIQUE (programme_id, spec_hash)
    )`.execute(db);
  await sql`COMMENT ON TABLE governance.spec_registrations IS 'When ebpm first saw each study-spec version''s hash, in database time: append-only (UPDATE, DELETE and TRUNCATE are refused for every role) and hash-chained (row_hash = SHA-256 of previous_hash followed by the row''s content). Check it with ebpm programmes registrations --verify.'`.execute(db);
  const columns: Record<string, string> = {
    sequence: 'Place in the chain: 1, 2, 3… in the order recorded.',
    programme_id: 'Programme of the spec.',
    spec_version: 'Version of the study spec, as the catalogue numbers it.',
    spec_hash: 'SHA-256 of the spec version (its frozenHash in the catalogue).',
    spec: 'The spec version as registered (canonical JSON of it hashes to spec_hash).',
    claimed_registered_at: 'The registration date typed in the catalogue (registeredAt), as typed: a claim, not checked.',
    recorded_at: 'When ebpm recorded the hash: the database clock, set by the trigger, never the client.',
    database_role: 'The database role that inserted the row (session_user), set by the trigger.',
    registered_by: 'Who registered it, as the client says: EBPM_REGISTERED_BY, or the operating-system user.',
    code_version: 'Version of the ebpm code that registered it (package version and git commit when known).',
    via: 'How: "ebpm programmes register", or "run <workflow id>" when a run registered a spec it did not find.',
    previous_hash: 'row_hash of the row before (64 zeros for the first): the chain.',
    row_hash: 'SHA-256 of previous_hash followed by the row content (each field as byte length:value, fixed order).',
  };
  for (const [column, text] of Object.entries(columns)) {
    await sql`COMMENT ON COLUMN governance.spec_registrations.${sql.id(column)} IS ${sql.lit(text)}`.execute(db);
  }

  await sql`
    CREATE FUNCTION governance.spec_registration_content(r governance.spec_registrations) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT string_agg(octet_length(field)::text || ':' || field, '' ORDER BY position)
        FROM unnest(ARRAY[
          r.sequence::text, r.programme_id, r.spec_version::text, r.spec_hash, r.claimed_registered_at,
          to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          r.database_role, r.registered_by, r.code_version, r.via
        ]) WITH ORDINALITY AS f(field, position)
    $$`.execute(db);
  await sql`COMMENT ON FUNCTION governance.spec_registration_content(governance.spec_registrations) IS 'The content a registration''s row_hash covers: each field as "byte length:value", in a fixed order (governance/registration-chain.ts builds the same).'`.execute(db);

  await sql`
    CREATE FUNCTION governance.chain_spec_registration() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      last_row governance.spec_registrations;
    BEGIN
      -- One registration at a time, to commit: the next one reads this row as its predecessor.
      PERFORM pg_advisory_xact_lock(${sql.lit(REGISTRATION_LOCK_KEY)});
      SELECT * INTO last_row FROM governance.spec_registrations ORDER BY sequence DESC LIMIT 1;
      NEW.sequence := coalesce(last_row.sequence, 0) + 1;
      NEW.previous_hash := coalesce(last_row.row_hash, repeat('0', 64));
      NEW.recorded_at := date_trunc('milliseconds', clock_timestamp());
      NEW.database_role := session_user;
      NEW.row_hash := encode(sha256(convert_to(NEW.previous_hash || governance.spec_registration_content(NEW), 'UTF8')), 'hex');
      RETURN NEW;
    END
    $$`.execute(db);
  await sql`
    CREATE FUNCTION governance.refuse_registration_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'governance.spec_registrations is append-only: % refused (for every role, its owner included); a registration is never changed or removed, a new spec version is registered as a new row', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END
    $$`.execute(db);
  await sql`CREATE TRIGGER chain_registration BEFORE INSERT ON governance.spec_registrations FOR EACH ROW EXECUTE FUNCTION governance.chain_spec_registration()`.execute(db);
  await sql`CREATE TRIGGER refuse_update_or_delete BEFORE UPDATE OR DELETE ON governance.spec_registrations FOR EACH ROW EXECUTE FUNCTION governance.refuse_registration_change()`.execute(db);
  await sql`CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON governance.spec_registrations FOR EACH STATEMENT EXECUTE FUNCTION governance.refuse_registration_change()`.execute(db);
  await sql`REVOKE UPDATE, DELETE, TRUNCATE ON governance.spec_registrations FROM PUBLIC`.execute(db);

  await sql`ALTER TABLE results.evaluation_runs ADD COLUMN spec_registration_hash text`.execute(db);
  await sql`COMMENT ON COLUMN results.evaluation_runs.spec_registration_hash IS 'row_hash of the spec''s registration in governance.spec_registrations (null for runs before migration 0027); ebpm programmes registrations --verify checks that the log still holds it.'`.execute(db);
  await sql`COMMENT ON COLUMN results.evaluation_runs.spec_registered_after_call_opened IS 'True when the spec version was recorded in governance.spec_registrations on or after the day the first call opened (from migration 0027; earlier runs judged the date typed in the catalogue).'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE results.evaluation_runs DROP COLUMN IF EXISTS spec_registration_hash`.execute(db);
  // The content function takes the table's row type, so it goes first; the triggers go with the table.
  await sql`DROP FUNCTION IF EXISTS governance.spec_registration_content(governance.spec_registrations)`.execute(db);
  await sql`DROP TABLE IF EXISTS governance.spec_registrations`.execute(db);
  await sql`DROP FUNCTION IF EXISTS governance.chain_spec_registration(), governance.refuse_registration_change()`.execute(db);
  await sql`DROP SCHEMA IF EXISTS governance`.execute(db);
}
