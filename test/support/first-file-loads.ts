/** Helpers of the tests of a programme's first file built beside its partitioned table (ingest/loading/built-beside.ts). */
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';
import { createIngestActivities } from '../../activities/ingest-file.js';
import type { Database } from '../../sql/database.js';
import { createTestDatabase, type TestDatabase } from './services.js';

/** Runs `test` on a database of its own: which path a load takes depends on what the programme has stored. */
export async function withOwnDatabase(test: (database: TestDatabase) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  try {
    await test(database);
  } finally {
    await database.drop();
  }
}

/** A first file whose load died after its first batch (of two rows): its rows are held in the table built beside. Returns its file_sha256. */
export async function diedAfterFirstBatch(db: Kysely<Database>, programmeId: string, kind: 'applicants' | 'outcomes', path: string): Promise<string> {
  const dying = createIngestActivities(db, {
    batchSize: 2,
    onProgress: () => {
      throw new Error('worker died');
    },
  });
  await expect(dying.ingestFile({ programmeId, kind, path })).rejects.toThrow('worker died');
  const { rows } = await sql<{ file_sha256: string }>`SELECT file_sha256 FROM raw.input_files WHERE file_name = ${basename(path)}`.execute(db);
  return rows[0].file_sha256;
}
