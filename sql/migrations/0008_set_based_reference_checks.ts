import { sql, type Kysely } from 'kysely';

/**
 * The loaded tables' references to core.firms and raw.input_files are checked once per statement over
 * all the rows it wrote, instead of by a foreign-key trigger per row: a 50,000-row batch spent more time
 * in those 100,000 trigger calls than in writing the rows.
 *
 * The guarantee is the same as the foreign keys gave. Writers check after each statement that every
 * referenced firm and file exists. The keys of firms and files cannot be changed, and deleting one checks
 * that nothing refers to it, after first taking a SHARE lock on the referring tables: the lock waits for every load in
 * progress to commit and keeps new ones out until the delete commits, so a check on either side always
 * sees the other side's committed rows.
 */
interface Reference {
  /** The referring table and its column. */
  readonly table: string;
  readonly column: string;
  /** The referenced table and its key column. */
  readonly target: string;
  readonly key: string;
  /** The foreign key this check replaces. */
  readonly foreignKey: string;
}

const REFERENCES: readonly Reference[] = [
  { table: 'core.applications', column: 'corporate_number', target: 'core.firms', key: 'corporate_number', foreignKey: 'applications_corporate_number_fkey' },
  { table: 'core.applications', column: 'source_file_sha256', target: 'raw.input_files', key: 'file_sha256', foreignKey: 'applications_source_file_sha256_fkey' },
  { table: 'core.outcomes', column: 'source_file_sha256', target: 'raw.input_files', key: 'file_sha256', foreignKey: 'outcomes_source_file_sha256_fkey' },
  { table: 'restricted.applicant_contacts', column: 'source_file_sha256', target: 'raw.input_files', key: 'file_sha256', foreignKey: 'applicant_contacts_source_file_sha256_fkey' },
];

const bare = (qualified: string) => qualified.split('.')[1];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const reference of REFERENCES) {
    const name = `${bare(reference.table)}_${reference.column}_exists`;
    const schema = reference.table.split('.')[0];
    await sql`ALTER TABLE ${sql.raw(reference.table)} DROP CONSTRAINT ${sql.raw(reference.foreignKey)}`.execute(db);
    await sql.raw(`
      CREATE FUNCTION ${schema}.${name}() RETURNS trigger LANGUAGE plpgsql AS $check$
      DECLARE
        missing text;
      BEGIN
        SELECT written.${reference.column} INTO missing
          FROM written LEFT JOIN ${reference.target} AS target ON target.${reference.key} = written.${reference.column}
         WHERE target.${reference.key} IS NULL
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION '${reference.table}.${reference.column} % is not in ${reference.target}', missing
            USING ERRCODE = 'foreign_key_violation', HINT = 'load or register the ${bare(reference.target)} row first';
        END IF;
        RETURN NULL;
      END
      $check$`).execute(db);
    for (const event of ['INSERT', 'UPDATE'] as const) {
      await sql.raw(`
        CREATE TRIGGER ${name}_after_${event.toLowerCase()} AFTER ${event} ON ${reference.table}
          REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.${name}()`).execute(db);
    }
    await sql.raw(`COMMENT ON FUNCTION ${schema}.${name}() IS 'Replaces the foreign key ${reference.foreignKey}: checks once per statement that every ${reference.column} written to ${reference.table} is in ${reference.target}.'`).execute(db);
  }

  await sql`
    CREATE FUNCTION core.refuse_key_change() RETURNS trigger LANGUAGE plpgsql AS $refuse$
    BEGIN
      RAISE EXCEPTION '%.% keys cannot be changed: rows elsewhere refer to them', TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'foreign_key_violation', HINT = 'insert a row with the new key and move the referring rows to it';
    END
    $refuse$`.execute(db);
  const targets = [...new Set(REFERENCES.map((reference) => reference.target))];
  for (const target of targets) {
    const referring = REFERENCES.filter((reference) => reference.target === target);
    const key = referring[0].key;
    const name = `${bare(target)}_still_referenced`;
    const schema = target.split('.')[0];
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
      CREATE FUNCTION ${schema}.${name}() RETURNS trigger LANGUAGE plpgsql AS $check$
      DECLARE
        still text;
      BEGIN
        -- Waits for loads in progress to commit, and holds new ones off until this transaction ends.
        LOCK TABLE ${locks} IN SHARE MODE;
        ${checks}
        RETURN NULL;
      END
      $check$`).execute(db);
    await sql.raw(`
      CREATE TRIGGER ${name}_after_delete AFTER DELETE ON ${target}
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.${name}()`).execute(db);
    // Keys are never renamed; refusing it keeps the check to deletes (an UPDATE trigger with a transition
    // table would fire on every account update of raw.input_files, and cannot be limited to the key column).
    await sql.raw(`
      CREATE TRIGGER ${bare(target)}_key_is_fixed BEFORE UPDATE OF ${key} ON ${target}
        FOR EACH ROW WHEN (OLD.${key} IS DISTINCT FROM NEW.${key}) EXECUTE FUNCTION core.refuse_key_change()`).execute(db);
    await sql.raw(`COMMENT ON FUNCTION ${schema}.${name}() IS 'Replaces the delete side of the foreign keys to ${target}: a ${bare(target)} row cannot be removed while ${locks} refer to it.'`).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const targets = [...new Set(REFERENCES.map((reference) => reference.target))];
  for (const target of targets) {
    await sql.raw(`DROP FUNCTION IF EXISTS ${target.split('.')[0]}.${bare(target)}_still_referenced() CASCADE`).execute(db);
  }
  await sql`DROP FUNCTION IF EXISTS core.refuse_key_change() CASCADE`.execute(db);
  for (const reference of REFERENCES) {
    const name = `${bare(reference.table)}_${reference.column}_exists`;
    await sql.raw(`DROP FUNCTION IF EXISTS ${reference.table.split('.')[0]}.${name}() CASCADE`).execute(db);
    await sql.raw(`ALTER TABLE ${reference.table} ADD CONSTRAINT ${reference.foreignKey} FOREIGN KEY (${reference.column}) REFERENCES ${reference.target} (${reference.key})`).execute(db);
  }
}
