import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { getProgramme, listProgrammes } from '../programmes/catalogue.js';
import { applicantRowSchema } from '../schemas/applicant.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
import { outcomeRowSchema } from '../schemas/outcome.js';
import { statisticsRowSchema } from '../schemas/statistics.js';
import { studySpecHash } from '../schemas/study-spec.js';
import { effectAt, generateProgrammeData } from '../synth/programme-data.js';
import { SYNTHETIC_PROFILES } from '../synth/profiles.js';

const sme = getProgramme('sme-labour-saving');

describe('synthetic programme data', () => {
  it('is identical for the same seed and differs for another', () => {
    const options = { seed: 42, applicants: 50, withInvalidRows: true };
    expect(generateProgrammeData(sme.file, options)).toEqual(generateProgrammeData(sme.file, options));
    expect(generateProgrammeData(sme.file, { ...options, seed: 43 }).applicantsCsv).not.toBe(generateProgrammeData(sme.file, options).applicantsCsv);
  });

  it('passes each programme\'s declared schemas on every row except the deliberately invalid ones', () => {
    for (const programme of listProgrammes()) {
      const data = generateProgrammeData(programme.file, { seed: 1, applicants: 300, withInvalidRows: true });
      const applicants = parse(data.applicantsCsv, { columns: true }) as Record<string, string>[];
      const outcomes = parse(data.outcomesCsv, { columns: true }) as Record<string, string>[];
      const declared = fileDeclaration(programme.file, 'outcomes');
      const outcomeSchema = outcomeRowSchema(declared.unitOfAnalysis, declared.measures);
      expect(applicants.filter((row) => !applicantRowSchema.safeParse(row).success), programme.id).toHaveLength(data.manifest.invalidApplicantRows);
      expect(outcomes.filter((row) => !outcomeSchema.safeParse(row).success), programme.id).toHaveLength(data.manifest.invalidOutcomeRows);
      expect(applicants).toHaveLength(300 + data.manifest.invalidApplicantRows);
      const valid = applicants.filter((row) => applicantRowSchema.safeParse(row).success);
      expect(data.manifest.awarded, programme.id).toBe(valid.filter((row) => row.decision === 'awarded').length);
      const statistics = parse(data.statisticsCsv, { columns: true }) as Record<string, string>[];
      const statisticsSchema = statisticsRowSchema(fileDeclaration(programme.file, 'statistics').statisticsIndicators);
      expect(statistics.every((row) => statisticsSchema.safeParse(row).success), programme.id).toBe(true);
      expect(Object.keys(data.manifest.trueEffects).sort(), programme.id).toEqual(declared.measures.map((measure) => measure.name).sort());
    }
  });

  it('keys project files by project id, with firms that lead several projects and consortium members', () => {
    const programme = getProgramme('green-innovation-fund');
    const data = generateProgrammeData(programme.file, { withInvalidRows: false });
    const applicants = parse(data.applicantsCsv, { columns: true }) as Record<string, string>[];
    const outcomes = parse(data.outcomesCsv, { columns: true }) as Record<string, string>[];
    expect(new Set(applicants.map((row) => row.project_id)).size).toBe(applicants.length);
    expect(data.manifest.applicantFirms).toBeLessThan(applicants.length);
    expect(applicants.some((row) => row.consortium_members.includes(';'))).toBe(true);
    expect(Object.keys(outcomes[0])).toEqual(['project_id', 'fiscal_year', 'milestones_met_share', 'technologies_commercialised', 'co2_reduction']);
    // An optional measure (milestones of funded projects) is reported by awarded projects only.
    const awarded = new Set(applicants.filter((row) => row.decision === 'awarded').map((row) => row.project_id));
    expect(outcomes.filter((row) => row.milestones_met_share !== '').every((row) => awarded.has(row.project_id))).toBe(true);
  });

  it('has a profile for every catalogue programme, shaped like it, with one zero-effect and one growing-effect programme', () => {
    for (const programme of listProgrammes()) expect(SYNTHETIC_PROFILES[programme.id], programme.id).toBeDefined();
    const kinds = Object.values(SYNTHETIC_PROFILES).map((profile) => profile.effectKind);
    expect(kinds).toContain('zero');
    expect(kinds).toContain('growing');
    expect(SYNTHETIC_PROFILES['sme-labour-saving'].applicants).toBeGreaterThan(20 * SYNTHETIC_PROFILES['critical-minerals'].applicants);
    expect(Object.values(SYNTHETIC_PROFILES).some((profile) => profile.attritionShare > 0)).toBe(true);
  });

  it('states the true simple and dynamic effects of a growing effect from its cohorts', () => {
    const programme = getProgramme('sme-growth-acceleration');
    const { manifest } = generateProgrammeData(programme.file, { withInvalidRows: false });
    const profile = SYNTHETIC_PROFILES['sme-growth-acceleration'];
    // Award years 2025, 2025, 2026 and a panel to 2028: event times 0–3. The measure is a number kept to
    // one decimal, so each realised effect is the design's to within that rounding.
    const dynamic = [0, 1, 2, 3].map((e) => effectAt(profile.effectKind, profile.measures.labour_productivity.effect, e));
    expect(manifest.trueEffects.labour_productivity.dynamic).toBeCloseTo(dynamic.reduce((a, b) => a + b) / 4, 1);
    expect(manifest.trueEffects.labour_productivity.simple).toBeGreaterThan(dynamic[0]);
    expect(manifest.unitsLeavingPanel).toBeGreaterThan(0);
  });
});

describe('study spec hash', () => {
  it('does not depend on key order, and changes when any setting changes', () => {
    const spec = sme.studySpec;
    const reordered = Object.fromEntries(Object.entries(spec).reverse()) as typeof spec;
    expect(studySpecHash(reordered)).toBe(studySpecHash(spec));
    expect(studySpecHash({ ...spec, minimumTreatedUnits: spec.minimumTreatedUnits + 1 })).not.toBe(studySpecHash(spec));
    expect(studySpecHash(spec)).toBe(sme.specHash);
  });
});
