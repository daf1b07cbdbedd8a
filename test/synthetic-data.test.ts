import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { getProgramme, listProgrammes } from '../programmes/catalogue.js';
import { applicantRowSchema } from '../schemas/applicant.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
import { outcomeRowSchema } from '../schemas/outcome.js';
import { statisticsRowSchema } from '../schemas/statistics.js';
import { studySpecHash } from '../schemas/study-spec.js';
import { programmeFileSchema, type ProgrammeFile } from '../schemas/catalogue.js';
import { DERIVED_PROVENANCE, seedOf } from '../synth/default-profile.js';
import { effectAt, generateProgrammeData } from '../synth/programme-data.js';
import { profileOf } from '../synth/profiles.js';

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

  it('draws each built-in programme from the whole profile its catalogue file declares, shaped like it, with one zero-effect and one growing-effect programme', () => {
    const builtIn = listProgrammes().filter((programme) => programme.source === 'built-in');
    for (const programme of builtIn) {
      expect(programme.file.syntheticProfile, programme.id).toBeDefined();
      expect(profileOf(programme.file).derived, programme.id).toEqual([]);
      expect(generateProgrammeData(programme.file, { withInvalidRows: false }).manifest.derivedProfile, programme.id).toBeUndefined();
    }
    const profiles = Object.fromEntries(builtIn.map((programme) => [programme.id, profileOf(programme.file).profile]));
    const kinds = Object.values(profiles).map((profile) => profile.effectKind);
    expect(kinds).toContain('zero');
    expect(kinds).toContain('growing');
    expect(profiles['sme-labour-saving'].applicants).toBeGreaterThan(20 * profiles['critical-minerals'].applicants);
    expect(Object.values(profiles).some((profile) => profile.attritionShare > 0)).toBe(true);
  });

  it('states the true simple and dynamic effects of a growing effect from its cohorts', () => {
    const programme = getProgramme('sme-growth-acceleration');
    const { manifest } = generateProgrammeData(programme.file, { withInvalidRows: false });
    const { profile } = profileOf(programme.file);
    // Award years 2025, 2025, 2026 and a panel to 2028: event times 0–3. The measure is a number kept to
    // one decimal, so each realised effect is the design's to within that rounding.
    const dynamic = [0, 1, 2, 3].map((e) => effectAt(profile.effectKind, profile.measures.labour_productivity.effectOfAward, e));
    expect(manifest.trueEffects.labour_productivity.dynamic).toBeCloseTo(dynamic.reduce((a, b) => a + b) / 4, 1);
    expect(manifest.trueEffects.labour_productivity.simple).toBeGreaterThan(dynamic[0]);
    expect(manifest.unitsLeavingPanel).toBeGreaterThan(0);
  });
});

/** A built-in programme's file without its synthetic profile (or with only `keep` of it), as a catalogue-only programme would be. */
function withoutProfile(programmeId: string, keep: (profile: NonNullable<ProgrammeFile['syntheticProfile']>) => ProgrammeFile['syntheticProfile'] = () => undefined): ProgrammeFile {
  const { syntheticProfile, ...file } = structuredClone(getProgramme(programmeId).file);
  const kept = keep(syntheticProfile!);
  return programmeFileSchema.parse(kept ? { ...file, syntheticProfile: kept } : file);
}

describe('synthetic data of a programme that declares no profile', () => {
  it('derives every figure from the declaration and records them with the true effects in the manifest', () => {
    // Without its planned call too, which would otherwise set the applicants and the award share.
    const file = programmeFileSchema.parse({ ...withoutProfile('green-innovation-fund'), plannedCall: undefined });
    const data = generateProgrammeData(file, { withInvalidRows: false });
    const derived = data.manifest.derivedProfile;
    expect(derived?.derived).toEqual(expect.arrayContaining(['applicants', 'awardShare', 'seed', 'measures.co2_reduction', 'measures.milestones_met_share']));
    // A project programme: projects, consortia; the seed is its id's, so the data are reproducible.
    expect(derived?.profile).toMatchObject({ applicants: 150, awardShare: 0.5, effectKind: 'constant', attritionShare: 0, maxConsortiumMembers: 2, seed: seedOf('green-innovation-fund') });
    expect(generateProgrammeData(file, { withInvalidRows: false })).toEqual(data);
    const measures = derived!.profile.measures;
    // milestones_met_share is declared 0–100 %: centred, a tenth of the range apart; not in the spec, so no effect.
    expect(measures.milestones_met_share).toEqual({ firstYearMean: 50, spreadBetweenUnits: 10, trendPerYear: 0, yearlyNoise: 5, effectOfAward: 0, provenance: DERIVED_PROVENANCE });
    // co2_reduction (the spec's outcome, a number ≥ 0): an effect of one yearly-noise SD, realised as such.
    expect(measures.co2_reduction).toMatchObject({ firstYearMean: 100, spreadBetweenUnits: 20, yearlyNoise: 10, effectOfAward: 10 });
    expect(data.manifest.trueEffects.co2_reduction.simple).toBeCloseTo(10, 1);
    expect(data.manifest.trueEffects.milestones_met_share.simple).toBe(0);
    // technologies_commercialised is a whole number ≥ 0: spread 5.
    expect(measures.technologies_commercialised).toMatchObject({ firstYearMean: 25, spreadBetweenUnits: 5, effectOfAward: 0 });
    const outcomes = parse(data.outcomesCsv, { columns: true }) as Record<string, string>[];
    const shares = outcomes.map((row) => row.milestones_met_share).filter((value) => value !== '').map(Number);
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...shares)).toBeLessThanOrEqual(100);
    expect(outcomes.every((row) => /^\d+$/.test(row.technologies_commercialised))).toBe(true);
  });

  it('takes what a partial profile declares and derives the rest; sizes a synthetic-DiD programme for its design', () => {
    const file = withoutProfile('critical-minerals', (profile) => ({ applicants: 90, measures: {}, provenance: profile.provenance }));
    const { profile, derived } = profileOf(file);
    expect(profile.applicants).toBe(90);
    expect(derived).not.toContain('applicants');
    expect(derived).toContain('measures.secured_supply');
    expect(generateProgrammeData(file, { withInvalidRows: false }).manifest.applicants).toBe(90);
    // Declared nothing: the spec estimates by synthetic DiD, a design for few units.
    expect(profileOf(withoutProfile('critical-minerals')).profile.applicants).toBe(60);
    // A declared planned call gives the applicants and the award share.
    const sme = withoutProfile('sme-labour-saving');
    expect(profileOf(sme).profile).toMatchObject({ applicants: sme.plannedCall?.expectedApplicants, awardShare: sme.plannedCall?.awardShare });
  });

  it('refuses a profile naming a measure the outcome file does not declare, or an award share outside 0–1', () => {
    const { syntheticProfile, ...file } = structuredClone(getProgramme('critical-minerals').file);
    const broken = { ...file, syntheticProfile: { ...syntheticProfile, awardShare: 1.5, measures: { ...syntheticProfile?.measures, tonnes_mined: syntheticProfile?.measures.secured_supply } } };
    const result = programmeFileSchema.safeParse(broken);
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(issues).toContainEqual(expect.stringMatching(/^syntheticProfile\.awardShare: /));
    // The object-level checks run once the fields parse; on their own they name the stray measure.
    const stray = programmeFileSchema.safeParse({ ...broken, syntheticProfile: { ...broken.syntheticProfile, awardShare: 0.3 } });
    expect(stray.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'syntheticProfile.measures.tonnes_mined: "tonnes_mined" is not a measure of the outcome file in dataRequirements; use one of secured_supply or fix the name',
    ]);
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
