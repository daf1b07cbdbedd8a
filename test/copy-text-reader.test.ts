import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRawClient } from '../runtime/database.js';
import { CopyLineFields, copyTextValue, fieldEnd, forEachCopyLine, isNullField, NotANumberFieldError, NotCopyOutError, parseDecimal } from '../runtime/copy-text-reader.js';
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

  it('give the server\'s error when the statement fails part-way, and leave the connection ready for the next statement', async () => {
    let lines = 0;
    await withRawClient(database.db, async (client) => {
      await expect(forEachCopyLine(client, 'COPY (SELECT 1 / (i - 30000) FROM generate_series(1, 60000) AS i) TO STDOUT', () => lines++)).rejects.toThrow(/division by zero/);
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
    expect(lines).toBeGreaterThan(0);
    expect(lines).toBeLessThan(30_000);
  });

  it('give the error a line\'s reader throws, after the rest of the output, and leave the connection ready', async () => {
    let lines = 0;
    await withRawClient(database.db, async (client) => {
      const read = forEachCopyLine(client, 'COPY (SELECT i FROM generate_series(1, 20000) AS i) TO STDOUT', (bytes, start, end) => {
        lines++;
        if (bytes.toString('latin1', start, end) === '500') throw new RangeError('line 500 is refused');
      });
      await expect(read).rejects.toThrow('line 500 is refused');
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
    expect(lines).toBe(500);
  });

  it('refuse a statement that is not a COPY … TO STDOUT, naming it', async () => {
    await withRawClient(database.db, async (client) => {
      const read = forEachCopyLine(client, 'SELECT 1', () => undefined);
      await expect(read).rejects.toBeInstanceOf(NotCopyOutError);
      await expect(read).rejects.toThrow(/the statement returns rows.*SELECT 1/);
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
  });
});

/** A protocol message: its type byte, its length (counting itself) and its payload. */
function message(type: string, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

/** What the server sends for a COPY … TO STDOUT in text format of one column: the start, the rows, its end. */
const copyOutResponse = message('H', Buffer.from([0, 0, 1, 0, 0]));
const notice = message('N', Buffer.concat([Buffer.from('SNOTICE\0Mcheckpoint\0', 'latin1'), Buffer.from([0])]));
const afterCopy = Buffer.concat([message('c'), message('C', 'COPY 3\0'), message('Z', 'I')]);

/** What pg's client calls on the statement forEachCopyLine hands it, as the stand-in below drives it. */
interface StandInStatement {
  handleCommandComplete(): void;
  handleReadyForQuery(): void;
  handleError(error: Error): void;
  handleCopyData(message: { chunk: Buffer }): void;
}

/**
 * forEachCopyLine started on a stand-in for pg's client and connection: the socket (an emitter whose one `data` listener
 * stands for pg's parser and collects what the reader hands back to it), and the statement pg would drive.
 */
function onStandIn(): { socket: EventEmitter; handedBack: Buffer[]; lines: string[]; read: Promise<void>; statement: StandInStatement } {
  const socket = new EventEmitter();
  const handedBack: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => handedBack.push(Buffer.from(chunk)));
  let active: StandInStatement | null = null;
  const client = {
    query(submittable: pg.Submittable & StandInStatement) {
      active = submittable;
      submittable.submit({ stream: socket, query: () => undefined } as unknown as pg.Connection);
    },
  } as unknown as pg.ClientBase;
  const lines: string[] = [];
  const read = forEachCopyLine(client, 'COPY (SELECT …) TO STDOUT', (chunk, start, end) => lines.push(chunk.toString('utf8', start, end)));
  const statement = active as StandInStatement | null;
  if (!statement) throw new Error('forEachCopyLine did not hand the client its statement');
  return { socket, handedBack, lines, read, statement };
}

/**
 * Feeds `bytes` to forEachCopyLine through the stand-in, cut into chunks at `cuts`, as the socket may cut them; what the
 * reader hands back to pg's parser is collected. The statement ends as pg would end it.
 */
async function readCut(bytes: Buffer, cuts: readonly number[]): Promise<{ lines: string[]; handedBack: Buffer }> {
  const { socket, handedBack, lines, read, statement } = onStandIn();
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    // A fresh buffer each time, overwritten after the call, as a socket's may be.
    const chunk = Buffer.from(bytes.subarray(from, cut));
    socket.emit('data', chunk);
    chunk.fill(0);
    from = cut;
  }
  statement.handleCommandComplete();
  statement.handleReadyForQuery();
  await read;
  return { lines, handedBack: Buffer.concat(handedBack) };
}

describe('reading COPY … TO STDOUT from the socket', () => {
  const rows = ['unit1\t2021\t1.5', 'é-unit\t2022\t\\N', '', 'unit3\t2023\t-0.25'];
  const copy = Buffer.concat([copyOutResponse, ...rows.slice(0, 2).map((row) => message('d', `${row}\n`)), notice, ...rows.slice(2).map((row) => message('d', `${row}\n`))]);
  const bytes = Buffer.concat([copy, afterCopy]);

  it('hand over each line whole and give pg every byte from the copy\'s end, wherever the socket cuts the messages (every cut into two and three chunks)', async () => {
    const failures: string[] = [];
    for (let first = 1; first < bytes.length; first++) {
      for (const second of [undefined, ...Array.from({ length: bytes.length - first - 1 }, (_, k) => first + 1 + k)]) {
        const cuts = second === undefined ? [first] : [first, second];
        const { lines, handedBack } = await readCut(bytes, cuts);
        if (JSON.stringify(lines) !== JSON.stringify(rows) || !handedBack.equals(afterCopy)) failures.push(cuts.join(','));
      }
    }
    expect(failures).toEqual([]);
  });

  it('hand pg the bytes of a message it had begun when the read fails part-way, and pg\'s error to the caller', async () => {
    const { socket, handedBack, lines, read, statement } = onStandIn();
    const row = message('d', 'second\n');
    socket.emit('data', Buffer.concat([copyOutResponse, message('d', 'first\n'), row.subarray(0, 4)]));
    statement.handleError(new Error('Query read timeout'));
    await expect(read).rejects.toThrow('Query read timeout');
    expect(lines).toEqual(['first']);
    // pg's parser has the socket again, from the start of the message it will now read whole.
    socket.emit('data', row.subarray(4));
    expect(Buffer.concat(handedBack)).toEqual(row);
    // After a statement timeout pg keeps the statement active and hands it the rest of the output: taken, and dropped.
    expect(() => statement.handleCopyData({ chunk: Buffer.from('third\n') })).not.toThrow();
    expect(lines).toEqual(['first']);
  });

  it('return an error to pg, not throw it, when something besides pg\'s parser reads the socket', async () => {
    const socket = new EventEmitter();
    socket.on('data', () => undefined);
    socket.on('data', () => undefined);
    let returned: unknown = null;
    const client = {
      query(submittable: pg.Submittable & { handleError(error: Error): void }) {
        returned = submittable.submit({ stream: socket, query: () => undefined } as unknown as pg.Connection);
        // As pg does with a returned error.
        if (returned instanceof Error) submittable.handleError(returned);
      },
    } as unknown as pg.ClientBase;
    await expect(forEachCopyLine(client, 'COPY (SELECT 1) TO STDOUT', () => undefined)).rejects.toThrow(/2 readers of its socket/);
    expect(returned).toBeInstanceOf(Error);
    expect(socket.listenerCount('data')).toBe(2);
  });

  it('join a line that one message leaves unfinished to the next, and hand back an error from its first byte', async () => {
    const error = message('E', Buffer.from('SERROR\0Mcanceled\0\0', 'latin1'));
    const split = Buffer.concat([copyOutResponse, message('d', 'first half, '), message('d', 'second half\nnext\n'), error, message('Z', 'I')]);
    const { lines, handedBack } = await readCut(split, [7, 20]);
    expect(lines).toEqual(['first half, second half', 'next']);
    expect(handedBack).toEqual(Buffer.concat([error, message('Z', 'I')]));
  });
});
