import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { copyTextLine } from '../ingest/loading/copy-text.js';
import { outcomeTarget } from '../ingest/loading/bulk-targets.js';
import { getProgramme, listProgrammes } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
import { readings, textField } from '../schemas/csv-fields.js';
import { measureValuesWriter, outcomeRowSchema, type OutcomeRow } from '../schemas/outcome.js';
import { generateProgrammeData } from '../synth/programme-data.js';

describe('an outcome row on its way to the database', () => {
  // The float8[] literal of the values in the places' order, by way of JSON (which writes a finite number as String does).
  const arrayLiteral = (values: readonly (number | null | undefined)[]) => `{${JSON.stringify(values.map((value) => value ?? null)).slice(1, -1).replaceAll('null', 'NULL')}}`;

  it('has its measures written as a float8 array literal in their places, for every programme’s declared measures', () => {
    let compared = 0;
    for (const programme of listProgrammes()) {
      const declared = fileDeclaration(programme.file, 'outcomes');
      const schema = outcomeRowSchema(declared.unitOfAnalysis, declared.measures);
      const names = declared.measures.map((measure) => measure.name);
      const write = measureValuesWriter(names);
      const data = generateProgrammeData(programme.file, { seed: 3, applicants: 40, withInvalidRows: false });
      for (const record of parse(data.outcomesCsv, { columns: true }) as Record<string, string>[]) {
        const parsed = schema.safeParse(record);
        if (!parsed.success) continue;
        expect(write(parsed.data.measures)).toBe(arrayLiteral(names.map((name) => parsed.data.measures[name])));
        compared++;
      }
      // Values the generator may not draw: -0, very large and very small numbers, and a measure not reported.
      for (const value of [-0, 1e21, 1.5e-7, -123.456, null]) {
        const measures: OutcomeRow['measures'] = Object.fromEntries(names.map((name, index) => [name, index === 0 ? value : 7]));
        expect(write(measures)).toBe(arrayLiteral(names.map((name) => measures[name])));
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('writes NULL in a place whose name the row does not declare, in a gap, and for a value that is not finite', () => {
    const write = measureValuesWriter(['sales', null, 'dropped_measure', 'wage', 'constructor']);
    expect(write({ sales: 12.5, wage: Number.NaN })).toBe('{12.5,NULL,NULL,NULL,NULL}');
    expect(write({ wage: 3, sales: Number.POSITIVE_INFINITY })).toBe('{NULL,NULL,NULL,3,NULL}');
    expect(measureValuesWriter([])({ sales: 1 })).toBe('{}');
  });

  it('reads a 法人番号 repeated on the rows that follow as it reads it alone, good or mistyped', () => {
    const read = (text: string) => textField(readings.corporateNumber).safeParse(text);
    // The same number row after row, a mistyped one between, then the first again and a spaced form of it.
    const sequence = ['1180301018771', '1180301018771', '2180301018771', '2180301018771', '1180301018771', '1180 3010 18771'];
    const results = sequence.map((text) => {
      const result = read(text);
      return result.success ? { ok: result.data } : { problem: result.error.issues[0].message };
    });
    expect(results).toEqual([
      { ok: '1180301018771' },
      { ok: '1180301018771' },
      { problem: expect.stringContaining('expected 1') },
      { problem: expect.stringContaining('expected 1') },
      { ok: '1180301018771' },
      { ok: '1180301018771' },
    ]);
  });

  it('writes an outcome row’s staging line as copyTextLine writes its four fields, whatever the measures hold', () => {
    const declared = fileDeclaration(getProgramme('sme-labour-saving').file, 'outcomes');
    const slots = [...declared.measures.map((measure) => measure.name), null];
    const target = outcomeTarget(declared, slots);
    const literal = measureValuesWriter(slots);
    const [first, second, third] = declared.measures.map((measure) => measure.name);
    const rows: OutcomeRow[] = [
      { unit_id: '6312508239271', fiscal_year: 2018, measures: { [first]: 690.6, [second]: 372.6, [third]: 21 } },
      { unit_id: 'P-0001_a.b', fiscal_year: 2025, measures: { [first]: 1e-7, [second]: -0, [third]: 1e21 } },
      { unit_id: 'back\\slash\ttab', fiscal_year: 1990, measures: { [first]: null, [second]: -2147.483647, [third]: Number.NaN } },
    ];
    for (const [index, row] of rows.entries()) {
      expect(target.stagingLine(index + 2, row)).toBe(copyTextLine([index + 2, row.unit_id, row.fiscal_year, literal(row.measures)]));
    }
    expect(target.stagingLine(3, rows[1])).toBe('3\tP-0001_a.b\t2025\t{1e-7,0,1e+21,NULL}\n');
  });
});
