import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { applicantRowSchema } from '../schemas/applicant.js';
import { outcomeRowSchema } from '../schemas/outcome.js';
import { studySpecHash } from '../schemas/study-spec.js';
import { getProgramme } from '../programmes/catalogue.js';

const smeLabourSaving = getProgramme('sme-labour-saving');
import { generateSmeLabourSaving } from '../synth/sme-labour-saving.js';

describe('synthetic SME labour-saving data', () => {
  it('is identical for the same seed and differs for another', () => {
    const options = { seed: 42, applicants: 50, withInvalidRows: true };
    expect(generateSmeLabourSaving(options)).toEqual(generateSmeLabourSaving(options));
    expect(generateSmeLabourSaving({ ...options, seed: 43 }).applicantsCsv).not.toBe(generateSmeLabourSaving(options).applicantsCsv);
  });

  it('passes the input schemas on every row except the deliberately invalid ones', () => {
    const data = generateSmeLabourSaving({ seed: 1, applicants: 300, withInvalidRows: true });
    const applicants = parse(data.applicantsCsv, { columns: true }) as Record<string, string>[];
    const outcomes = parse(data.outcomesCsv, { columns: true }) as Record<string, string>[];
    expect(applicants.filter((row) => !applicantRowSchema.safeParse(row).success)).toHaveLength(data.manifest.invalidApplicantRows);
    expect(outcomes.filter((row) => !outcomeRowSchema.safeParse(row).success)).toHaveLength(data.manifest.invalidOutcomeRows);
    expect(applicants).toHaveLength(300 + data.manifest.invalidApplicantRows);
    const valid = applicants.filter((row) => applicantRowSchema.safeParse(row).success);
    expect(data.manifest.awarded).toBe(valid.filter((row) => row.decision === 'awarded').length);
  });
});

describe('study spec hash', () => {
  it('does not depend on key order, and changes when any setting changes', () => {
    const spec = smeLabourSaving.studySpec;
    const reordered = Object.fromEntries(Object.entries(spec).reverse()) as typeof spec;
    expect(studySpecHash(reordered)).toBe(studySpecHash(spec));
    expect(studySpecHash({ ...spec, minimumTreatedUnits: spec.minimumTreatedUnits + 1 })).not.toBe(studySpecHash(spec));
    expect(studySpecHash(spec)).toMatch(/^[0-9a-f]{64}$/);
  });
});
