import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRawClient } from '../runtime/database.js';
import { CopyLineFields, copyTextValue, fieldEnd, forEachCopyLine, isNullField, NotANumberFieldError, parseDecimal } from '../runtime/copy-text-reader.js';
import { SeededRandom } from '../stats/random.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

/** Plain decimals as jsonb writes them: sign, 1–20 digits, a decimal point anywhere or none, leading zeros. */
function randomDecimal(random: SeededRandom): string {
  const digits = Array.from({ length: random.integerBetween(1, 20) }, () => String(random.integerBetween(0, 9))).join('');
  const point = random.integerBetween(0, digits.length);
  const body = point === digits.length ? digits : `${digits.slice(0, point) || '0'}.${digits.slice(point)}`;
  return `${random.uniform() < 0.3 ? '-' : ''}${body}`;
}

const parsed = (text: string) => parseDecimal(Buffer.from(text, 'latin1'), 0, text.length);

describe('parsing COPY text numbers from bytes', () => {
  it('gives the same double as Number() for 50,000 seeded decimals of up to 20 digits, and for edge forms', () => {
    const random = new SeededRandom(11);
    const cases = [...Array.from({ length: 50_000 }, () => randomDecimal(random)), '0', '-0', '0.1', '386.70000000000005', '9007199254740993', '0.0000001', '1e21', '1.5E-7', '123456789012345.6', '2022'];
    const mismatches = cases.filter((text) => !Object.is(parsed(text), Number(text)));
    expect(mismatches).toEqual([]);
  });

  it('refuses text that is not a finite number rather than reading it as zero, NaN or infinity', () => {
    for (const text of ['', 'abc', '1.2.3', '12a', 'NaN', 'Infinity', '-Infinity']) expect(() => parsed(text), text).toThrow(NotANumberFieldError);
  });
});

describe('taking a COPY text line field by field', () => {
  it('gives each field in order, escapes undone, \\N as null, a field at the line\'s end included, and refuses a field the line lacks', () => {
    // Two lines in one chunk: the reader stops at the first line's end, never reading into the next.
    const chunk = Buffer.from('unit\\t1\\\\é\t\\N\t2022\t-3.25\t\nnext\t9\n', 'utf8');
    const firstEnd = chunk.indexOf(0x0a);
    const fields = new CopyLineFields().line(chunk, 0, firstEnd);
    expect(fields.text()).toBe('unit\t1\\é');
    expect(fields.numberOrNull()).toBeNull();
    expect(fields.number()).toBe(2022);
    expect(fields.numberOrNull()).toBe(-3.25);
    expect(fields.text()).toBe('');
    expect(() => fields.text()).toThrow(/fewer fields than its query selects/);
    // The same reader, moved to the next line.
    fields.line(chunk, firstEnd + 1, chunk.length - 1);
    expect([fields.text(), fields.number()]).toEqual(['next', 9]);
  });

  it('quotes a long short-of-fields line in its error cut between characters, never inside one', () => {
    // One field of 99 three-byte characters: byte 200 falls inside the 67th character (bytes 198-200).
    const line = Buffer.from('事'.repeat(99), 'utf8');
    const fields = new CopyLineFields().line(line, 0, line.length);
    fields.text();
    expect(() => fields.text()).toThrow(`a COPY line has fewer fields than its query selects: ${'事'.repeat(66)}…`);
  });

  it('refuses a field that is not a number where a number is taken', () => {
    const line = Buffer.from('x\t12a', 'latin1');
    const fields = new CopyLineFields().line(line, 0, line.length);
    fields.text();
    expect(() => fields.number()).toThrow(NotANumberFieldError);
  });
});

describe('reading COPY … TO STDOUT by lines', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('hands over every line whole, however the chunks split them, with escapes, NULLs and numbers read back exactly', async () => {
    const rows = 60_000;
    const lines: { id: string; value: number }[] = [];
    await withRawClient(database.db, (client) =>
      forEachCopyLine(
        client,
        `COPY (SELECT CASE WHEN i % 1000 = 0 THEN 'unit' || E'\\t' || i || E'\\\\' || 'é' ELSE 'unit' || i END,
                      CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 1.1 + 0.01)::numeric::text END
                 FROM generate_series(1, ${rows}) AS i) TO STDOUT`,
        (bytes, start, end) => {
          const idEnd = fieldEnd(bytes, start, end);
          const id = copyTextValue(bytes.toString('utf8', start, idEnd));
          lines.push({ id, value: isNullField(bytes, idEnd + 1, end) ? Number.NaN : parseDecimal(bytes, idEnd + 1, end) });
        },
      ),
    );
    expect(lines).toHaveLength(rows);
    expect(lines[999]).toEqual({ id: 'unit\t1000\\é', value: Number((1000 * 1.1 + 0.01).toFixed(2)) });
    const wrong = lines.filter(({ id, value }, index) => {
      const i = index + 1;
      const expectedId = i % 1000 === 0 ? `unit\t${i}\\é` : `unit${i}`;
      const expectedValue = i % 7 === 0 ? Number.NaN : Number((i * 1.1 + 0.01).toFixed(2));
      return id !== expectedId || !Object.is(value, expectedValue);
    });
    expect(wrong).toEqual([]);
  });
});
