import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getProgramme } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
import { expectedTable } from '../ingest/reading/expected-columns.js';
import { openTable } from '../ingest/reading/read-table.js';

const folder = mkdtempSync(join(tmpdir(), 'ebpm-json-lines-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('reading JSON Lines', () => {
  it('reads a key a later line leaves out as empty, even one every object inherits (constructor, toString, __proto__)', async () => {
    // The header is the first object's keys; the second line has only the first two of them.
    const path = join(folder, 'outcomes.jsonl');
    writeFileSync(path, '{"corporate_number":"1180301018771","fiscal_year":"2020","constructor":"a","toString":"b","__proto__":"c"}\n{"corporate_number":"1180301018771","fiscal_year":"2021"}\n');
    const table = await openTable(path, { expected: expectedTable(fileDeclaration(getProgramme('sme-labour-saving').file, 'outcomes')) });
    const records = [];
    for await (const batch of table.records) records.push(...batch);
    expect(table.header).toEqual(['corporate_number', 'fiscal_year', 'constructor', 'toString', '__proto__']);
    expect(records.map((record) => record.fields)).toEqual([
      ['1180301018771', '2020', 'a', 'b', 'c'],
      ['1180301018771', '2021', '', '', ''],
    ]);
  });
});
