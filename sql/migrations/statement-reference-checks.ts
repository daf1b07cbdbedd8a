import { sql, type Kysely } from 'kysely';

/**
 * Foreign keys replaced by checks once per statement (migrations 0008 and 0033; the form of the checks of references to
 * files, 0036): a foreign key checks each row written by a trigger call of its own, which at bulk-load sizes cost more
 * than writing the rows.
 *
 * The guarantee is the same as the foreign keys gave. Writers check after each statement that every referenced
 * row exists. The referenced keys cannot be changed (core.refuse_key_change, migration 0008), and deleting a
 * referenced row checks that nothing refers to it, after first taking a SHARE lock on the referring tables: the lock
 * waits for every load in progress to commit and keeps new ones out until the delete commits, so a check on either
 * side always sees the other side's committed rows.
 */
export interface Reference {
  /** The referring table and its column. */
  readonly table: string;
  readonly column: string;
  /** The referenced table and its key column. */
  readonly target: string;
  readonly key: string;
  /** The foreign key this check replaces. */
  readonly foreignKey: string;
}

const bare = (qualified: string) => qualified.split('.')[1];
const schemaOf = (qualified: string) => qualified.split('.')[0];
const writeCheckName = (reference: Reference) => `${bare(reference.table)}_${reference.column}_exists`;
const deleteCheckName = (target: string) => `${bare(target)}_still_referenced`;

/**
 * How a write check looks for a referenced key that is missing. 'join-every-row' (as 0008 and 0033 made the checks)
 * joins every written row to the referenced table: the planner, knowing nothing of the rows, probes the referenced key's
 * index once per row, though all the rows of an outcome batch name one file. 'distinct-values-first' (0036, for the
 * references to files) takes each written value once and looks those up: it finds the same values missing (NULL
 * included) as the join, and pays off where a statement's rows share a few values.
 */
export type WriteCheckForm = 'join-every-row' | 'distinct-values-first';

function writeCheckFunction(reference: Reference, form: WriteCheckForm, create: 'CREATE' | 'CREATE OR REPLACE'): string {
  const [source, value] =
    form === 'join-every-row' ? ['written', 'written'] : [`(SELECT DISTINCT ${reference.column} FROM written) AS written_value`, 'written_value'];
  return `
      ${create} FUNCTION ${schemaOf(reference.table)}.${writeCheckName(reference)}() RETURNS trigger LANGUAGE plpgsql AS $check$
      DECLARE
        missing text;
      BEGIN
        SELECT ${value}.${reference.column} INTO missing
          FROM ${source} LEFT JOIN ${reference.target} AS target ON target.${reference.key} = ${value}.${reference.column}
         WHERE target.${reference.key} IS NULL
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION '${reference.table}.${reference.column} % is not in ${reference.target}', missing
            USING ERRCODE = 'foreign_key_violation', HINT = 'load or register the ${bare(reference.target)} row first';
        END IF;
        RETURN NULL;
      END
      $check$`;
}

/** Rewrites the write checks of these references in the given form; their triggers and comments stay. */
export async function setWriteCheckForm<Schema>(db: Kysely<Schema>, references: readonly Reference[], form: WriteCheckForm): Promise<void> {
  for (const reference of references) await sql.raw(writeCheckFunction(reference, form, 'CREATE OR REPLACE')).execute(db);
}

/** Drops the foreign key and puts its write-side statement checks in its place (after inserts and updates). */
async function checkWritesPerStatement(db: Kysely<unknown>, reference: Reference, form: WriteCheckForm): Promise<void> {
  const name = writeCheckName(reference);
  const schema = schemaOf(reference.table);
  await sql`ALTER TABLE ${sql.raw(reference.table)} DROP CONSTRAINT ${sql.raw(reference.foreignKey)}`.execute(db);
  await sql.raw(writeCheckFunction(reference, form, 'CREATE')).execute(db);
  for (const event of ['INSERT', 'UPDATE'] as const) {
    await sql.raw(`
      CREATE TRIGGER ${name}_after_${event.toLowerCase()} AFTER ${event} ON ${reference.table}
        REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.${name}()`).execute(db);
  }
  await sql.raw(`COMMENT ON FUNCTION ${schema}.${name}() IS 'Replaces the foreign key ${reference.foreignKey}: checks once per statement that every ${reference.column} written to ${reference.table} is in ${reference.target}.'`).execute(db);
}

/** The delete side's check of one referenced table over every table referring to it (all of `referring` name it). */
async function writeDeleteCheck(db: Kysely<unknown>, target: string, referring: readonly Reference[], create: 'CREATE' | 'CREATE OR REPLACE'): Promise<void> {
  const key = referring[0].key;
  const name = deleteCheckName(target);
  const schema = schemaOf(target);
  const checks = referring
    .map(
      (reference) => `
      SELECT removed.${key} INTO still FROM removed
       WHERE NOT EXISTS (SELECT 1 FROM ${target} AS kept WHERE kept.${key} = removed.${key})
         AND EXISTS (SELECT 1 FROM ${reference.table} AS referring WHERE referring.${reference.column} = removed.${key})
       LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION '${target} % is still referred to by ${reference.table}.${reference.column}', still
          USING ERRCODE = 'foreign_key_violation', HINT = 'delete the referring rows first';
      END IF;`,
    )
    .join('\n');
  const locks = [...new Set(referring.map((reference) => reference.table))].join(', ');
  await sql.raw(`
    ${create} FUNCTION ${schema}.${name}() RETURNS trigger LANGUAGE plpgsql AS $check$
    DECLARE
      still text;
    BEGIN
      -- Waits for loads in progress to commit, and holds new ones off until this transaction ends.
      LOCK TABLE ${locks} IN SHARE MODE;
      ${checks}
      RETURN NULL;
    END
    $check$`).execute(db);
  await sql.raw(`COMMENT ON FUNCTION ${schema}.${name}() IS 'Replaces the delete side of the foreign keys to ${target}: a ${bare(target)} row cannot be removed while ${locks} refer to it.'`).execute(db);
}

/** Drops each foreign key and puts its statement checks in its place: after writes on the referring side, after deletes on the other. */
export async function checkReferencesPerStatement(db: Kysely<unknown>, references: readonly Reference[]): Promise<void> {
  for (const reference of references) await checkWritesPerStatement(db, reference, 'join-every-row');
  const targets = [...new Set(references.map((reference) => reference.target))];
  for (const target of targets) {
    const referring = references.filter((reference) => reference.target === target);
    await writeDeleteCheck(db, target, referring, 'CREATE');
    const key = referring[0].key;
    await sql.raw(`
      CREATE TRIGGER ${deleteCheckName(target)}_after_delete AFTER DELETE ON ${target}
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION ${schemaOf(target)}.${deleteCheckName(target)}()`).execute(db);
    // Keys are never renamed; refusing it keeps the check to deletes (an UPDATE trigger with a transition
    // table would fire on every account update of the target, and cannot be limited to the key column).
    await sql.raw(`
      CREATE TRIGGER ${bare(target)}_key_is_fixed BEFORE UPDATE OF ${key} ON ${target}
        FOR EACH ROW WHEN (OLD.${key} IS DISTINCT FROM NEW.${key}) EXECUTE FUNCTION core.refuse_key_change()`).execute(db);
  }
}

/**
 * One more table refers to a table whose references are already checked per statement (migration 0039): its foreign
 * key becomes write checks in the given form, and the referenced table's delete check is rewritten over
 * `alreadyReferring` and the new table. `withdrawReference` takes it back out (down migrations).
 */
export async function addReferenceCheckedPerStatement(db: Kysely<unknown>, reference: Reference, alreadyReferring: readonly Reference[], form: WriteCheckForm): Promise<void> {
  await checkWritesPerStatement(db, reference, form);
  await writeDeleteCheck(db, reference.target, [...alreadyReferring, reference], 'CREATE OR REPLACE');
}

/** The write checks of `reference` dropped and its target's delete check rewritten over the tables that stay. */
export async function withdrawReference(db: Kysely<unknown>, reference: Reference, stillReferring: readonly Reference[]): Promise<void> {
  await sql.raw(`DROP FUNCTION IF EXISTS ${schemaOf(reference.table)}.${writeCheckName(reference)}() CASCADE`).execute(db);
  await writeDeleteCheck(db, reference.target, stillReferring, 'CREATE OR REPLACE');
}

/** Takes the checks back out and restores the foreign keys (down migrations). */
export async function restoreForeignKeys(db: Kysely<unknown>, references: readonly Reference[]): Promise<void> {
  for (const target of new Set(references.map((reference) => reference.target))) {
    await sql.raw(`DROP FUNCTION IF EXISTS ${schemaOf(target)}.${deleteCheckName(target)}() CASCADE`).execute(db);
    await sql.raw(`DROP TRIGGER IF EXISTS ${bare(target)}_key_is_fixed ON ${target}`).execute(db);
  }
  for (const reference of references) {
    await sql.raw(`DROP FUNCTION IF EXISTS ${schemaOf(reference.table)}.${writeCheckName(reference)}() CASCADE`).execute(db);
    await sql.raw(`ALTER TABLE ${reference.table} ADD CONSTRAINT ${reference.foreignKey} FOREIGN KEY (${reference.column}) REFERENCES ${reference.target} (${reference.key})`).execute(db);
  }
}
