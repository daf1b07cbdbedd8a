import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync as readText } from 'node:fs';
import {
  BUILT_IN_SOURCE,
  CatalogueValidationError,
  defaultCatalogueDirectory,
  freezeStudySpecs,
  getProgramme,
  InvalidProgrammeError,
  loadCatalogue,
  loadValidCatalogue,
} from '../programmes/catalogue.js';
import { kpiColumnsMarkdown, OUTCOME_KPI_COLUMNS } from '../kpi/columns.js';
import { LOGIC_MODEL_STAGE_KEYS, shorthandProjectProvenance, type ProgrammeFile } from '../schemas/catalogue.js';

const scratchFolders: string[] = [];
afterEach(() => {
  for (const folder of scratchFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A copy of the repository's catalogue, with one programme file changed by `edit`. */
function catalogueWith(programmeId: string, edit: (programme: ProgrammeFile) => void): string {
  const folder = mkdtempSync(join(tmpdir(), 'ebpm-catalogue-'));
  scratchFolders.push(folder);
  cpSync(defaultCatalogueDirectory(), folder, { recursive: true });
  const path = join(folder, `${programmeId}.json`);
  const programme = JSON.parse(readFileSync(path, 'utf8')) as ProgrammeFile;
  edit(programme);
  writeFileSync(path, JSON.stringify(programme, null, 2));
  return folder;
}

function problemsOf(folder: string) {
  try {
    loadValidCatalogue(folder);
  } catch (error) {
    if (error instanceof CatalogueValidationError) return error.problems;
    throw error;
  }
  throw new Error('the catalogue was expected to be invalid');
}

describe('the programme catalogue', () => {
  it('holds the 11 programmes, each with an indicator at every logic-model stage and a frozen spec whose outcomes name their indicators', () => {
    const { programmes, classes } = loadCatalogue();
    expect(programmes).toHaveLength(11);
    expect(classes.classes).toHaveLength(9);
    for (const programme of programmes) {
      for (const stage of LOGIC_MODEL_STAGE_KEYS) expect(programme.file.logicModel[stage].length).toBeGreaterThan(0);
      expect(programme.specHash).toMatch(/^[0-9a-f]{64}$/);
      expect(Date.parse(programme.studySpec.registeredAt)).not.toBeNaN();
      const outcomeIndicators = new Set(['shortTermOutcome', 'midTermOutcome', 'impact'].flatMap((stage) => programme.file.logicModel[stage as 'impact'].map((i) => i.id)));
      for (const outcome of programme.studySpec.outcomes) expect(outcomeIndicators.has(programme.studySpec.outcomeIndicators?.[outcome] ?? ''), `${programme.id} ${outcome}`).toBe(true);
    }
  });

  it('estimates project and site programmes on their own outcomes, not on their lead firms\' productivity, wages or staff', () => {
    for (const programme of loadCatalogue().programmes.filter((p) => p.file.unitOfAnalysis !== 'firm')) {
      expect(programme.studySpec.outcomes.filter((outcome) => ['labour_productivity', 'average_wage', 'employees'].includes(outcome)), programme.id).toEqual([]);
    }
  });

  it('gets every indicator somehow: computed, read from statistics, or marked with the reason it cannot be', () => {
    const folder = catalogueWith('semiconductor-fund', (p) => {
      delete p.logicModel.impact[0].computation;
    });
    expect(problemsOf(folder)).toContainEqual(expect.objectContaining({ field: 'logicModel.impact.0.computation', message: expect.stringContaining('notComputed { reason, source }') }));
    const marked = catalogueWith('semiconductor-fund', (p) => {
      delete p.logicModel.impact[0].computation;
      p.logicModel.impact[0].notComputed = { reason: 'not yet published', source: 'WSTS' };
    });
    expect(loadCatalogue(marked).programmes).toHaveLength(11);
  });

  it('requires a project programme\'s files to be keyed by project id, and every other outcome column to be a measure', () => {
    const folder = catalogueWith('semiconductor-fund', (p) => {
      p.dataRequirements.fields = p.dataRequirements.fields.filter((field) => !(field.file === 'outcomes' && field.name === 'project_id'));
      const capacity = p.dataRequirements.fields.find((field) => field.name === 'production_capacity');
      if (capacity) delete capacity.measure;
    });
    const problems = problemsOf(folder);
    expect(problems).toContainEqual(expect.objectContaining({ message: expect.stringContaining('outcomes file is keyed by "project_id"') }));
    expect(problems).toContainEqual(expect.objectContaining({ message: expect.stringContaining('outcome field "production_capacity" needs a measure') }));
  });

  it('refuses a field named like what every object inherits (constructor), which a file lacking it would read as a function', () => {
    const folder = catalogueWith('sme-labour-saving', (p) => {
      p.dataRequirements.fields.push({ ...p.dataRequirements.fields.find((field) => field.file === 'outcomes' && field.measure)!, name: 'constructor', nameJa: '構築子', required: false });
    });
    expect(problemsOf(folder)).toContainEqual(expect.objectContaining({ message: expect.stringContaining('"constructor" is a name every JavaScript object already has; choose another') }));
  });

  it('names a design per outcome in the frozen spec, and refuses a review-score design without scores or cut-offs', () => {
    const designs = new Map(loadCatalogue().programmes.flatMap((p) => p.studySpec.outcomes.map((outcome) => [`${p.id}/${outcome}`, p.studySpec.designs?.[outcome]?.design ?? 'staggered_did'])));
    expect(designs.get('critical-minerals/secured_supply')).toBe('synthetic_did');
    expect(designs.get('semiconductor-fund/production_capacity')).toBe('synthetic_did');
    expect(designs.get('large-scale-growth-investment/labour_productivity')).toBe('rd_review_score');
    expect(designs.get('global-south-co-creation/partner_projects_started')).toBe('descriptive');
    expect(designs.get('sme-labour-saving/labour_productivity')).toBe('staggered_did');
    const withoutScores = catalogueWith('large-scale-growth-investment', (p) => {
      p.dataRequirements.fields = p.dataRequirements.fields.filter((field) => field.name !== 'review_score');
      delete p.callRounds[1].reviewCutoff;
    });
    const problems = problemsOf(withoutScores);
    expect(problems).toContainEqual(expect.objectContaining({ field: 'studySpecs.2.designs.labour_productivity', message: expect.stringContaining('declare "review_score" as an applicant field') }));
    expect(problems).toContainEqual(expect.objectContaining({ message: expect.stringContaining("each call round's reviewCutoff; call round(s) 2 have none") }));
    const strayDesign = catalogueWith('semiconductor-fund', (p) => {
      const latest = p.studySpecs[p.studySpecs.length - 1];
      latest.designs = { ...latest.designs, wafer_starts: { design: 'descriptive', reason: 'not collected from rejected applicants at all' } };
    });
    expect(problemsOf(strayDesign)).toContainEqual(expect.objectContaining({ message: expect.stringContaining('a design is given for "wafer_starts", which is not one of the spec\'s outcomes') }));
  });

  it('requires each target computed from the outcome file to say whether it is a programme total, a mean per unit or a share, as its computation gives', () => {
    const unstated = catalogueWith('green-innovation-fund', (p) => {
      delete p.logicModel.impact[0].target.scale;
    });
    expect(problemsOf(unstated)).toEqual([
      expect.objectContaining({ field: 'logicModel.impact.0.target.scale', message: expect.stringContaining('(the value is op.sum, so "programme_total")') }),
    ]);
    const mismatched = catalogueWith('sme-labour-saving', (p) => {
      p.logicModel.shortTermOutcome[0].target.scale = 'programme_total';
    });
    expect(problemsOf(mismatched)).toEqual([
      expect.objectContaining({ field: 'logicModel.shortTermOutcome.0.target.scale', message: expect.stringContaining('scale "programme_total" does not fit the value\'s op.mean, which gives "mean_per_unit" or "share"') }),
    ]);
    const shareOfWages = catalogueWith('sme-labour-saving', (p) => {
      p.logicModel.midTermOutcome[0].target.scale = 'share';
    });
    expect(problemsOf(shareOfWages)).toEqual([expect.objectContaining({ field: 'logicModel.midTermOutcome.0.target.scale', message: expect.stringContaining('its unit is "%", not "万円"') })]);
    const unknown = catalogueWith('sme-labour-saving', (p) => {
      (p.logicModel.midTermOutcome[0].target as { scale?: string }).scale = 'per_firm';
    });
    expect(problemsOf(unknown)).toContainEqual(expect.objectContaining({ field: 'logicModel.midTermOutcome.0.target.scale', message: expect.stringContaining('scale must be one of programme_total, mean_per_unit, share, best_unit') }));
    // Every built-in target the pipeline computes from outcomes states its scale.
    for (const programme of loadValidCatalogue().programmes) {
      for (const stage of LOGIC_MODEL_STAGE_KEYS) {
        for (const indicator of programme.file.logicModel[stage]) if (indicator.computation?.source === 'outcomes') expect(indicator.target.scale, `${programme.id} ${indicator.id}`).toBeDefined();
      }
    }
  });

  it('rejects an unknown indicator class, naming the file, the field and the classes to use', () => {
    const folder = catalogueWith('critical-minerals', (p) => {
      p.logicModel.impact[0].indicatorClass = 'geopolitics';
    });
    expect(problemsOf(folder)).toEqual([
      expect.objectContaining({ file: expect.stringMatching(/\/critical-minerals\.json$/), field: 'logicModel.impact.0.indicatorClass', message: expect.stringContaining('unknown indicator class "geopolitics"; use one of research_and_development') }),
    ]);
  });

  it('reads reviewSheetProjectIds, the shorthand issue 32 names, as the programme\'s review-sheet projects, each with a provenance saying so', () => {
    const folder = catalogueWith('post5g-quantum', (p) => {
      (p as unknown as Record<string, unknown>).reviewSheetProjectIds = [3522, 884];
      // A reference to a project named only by the shorthand: the check that references name a listed project sees it.
      p.logicModel.output[0].reviewSheetIndicator = { projectId: 3522, nodeKind: 'output', nodeNumber: 3, indicator: 1 };
    });
    const programme = loadValidCatalogue(folder).programmes.find((p) => p.id === 'post5g-quantum')!;
    expect(programme.file.reviewSheetProjects).toEqual([
      { projectId: 900007, provenance: expect.stringContaining('synthetic') },
      { projectId: 3522, provenance: shorthandProjectProvenance(3522) },
      { projectId: 884, provenance: shorthandProjectProvenance(884) },
    ]);
    expect(shorthandProjectProvenance(884)).toContain('reviewSheetProjectIds');
    expect(Object.hasOwn(programme.file, 'reviewSheetProjectIds')).toBe(false);
  });

  it('refuses a reviewSheetProjectIds that is not a list of 予算事業IDs under its own name, and a project named both ways', () => {
    const withIds = (ids: unknown) =>
      catalogueWith('post5g-quantum', (p) => {
        (p as unknown as Record<string, unknown>).reviewSheetProjectIds = ids;
      });
    expect(problemsOf(withIds([3522, 0]))).toEqual([expect.objectContaining({ field: 'reviewSheetProjectIds.1', message: expect.stringContaining('予算事業ID is a positive whole number') })]);
    expect(problemsOf(withIds(3522))).toEqual([expect.objectContaining({ field: 'reviewSheetProjectIds', message: expect.stringContaining('expected array') })]);
    expect(problemsOf(withIds([900007]))).toEqual([expect.objectContaining({ field: 'reviewSheetProjects', message: expect.stringContaining('listed twice (in reviewSheetProjects, reviewSheetProjectIds or both)') })]);
  });

  it('rejects a target year before the baseline year, and a stage with no indicator', () => {
    let baselineYear = 0;
    const folder = catalogueWith('space-strategy-fund', (p) => {
      baselineYear = p.logicModel.shortTermOutcome[0].baseline?.fiscalYear ?? 0;
      p.logicModel.shortTermOutcome[0].target.fiscalYear = baselineYear - 1;
      p.logicModel.activity = [];
    });
    const problems = problemsOf(folder);
    expect(problems).toContainEqual(expect.objectContaining({ file: expect.stringMatching(/\/space-strategy-fund\.json$/), field: 'logicModel.activity', message: expect.stringContaining('needs at least one indicator') }));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'logicModel.shortTermOutcome.0.target.fiscalYear', message: expect.stringContaining(`target year ${baselineYear - 1} is not after the baseline year ${baselineYear}`) }));
  });

  it('refuses a change to a frozen study spec and accepts the change as a new, frozen version', () => {
    let nextVersion = 0;
    const changed = catalogueWith('sme-labour-saving', (p) => {
      nextVersion = p.studySpecs.length + 1;
      p.studySpecs[0].minimumTreatedUnits = 50;
    });
    expect(problemsOf(changed)).toEqual([
      expect.objectContaining({ field: 'studySpecs.0.frozenHash', message: expect.stringContaining(`add the change as version ${nextVersion}`) }),
    ]);

    const versioned = catalogueWith('sme-labour-saving', (p) => {
      const latest = p.studySpecs[p.studySpecs.length - 1];
      p.studySpecs.push({ ...latest, version: nextVersion, registeredAt: '2024-01-15T00:00:00+09:00', minimumTreatedUnits: 50, frozenHash: '' });
    });
    expect(problemsOf(versioned)[0].message).toContain('ebpm programmes freeze');
    const [frozen] = freezeStudySpecs(versioned, 'sme-labour-saving');
    const programme = loadCatalogue(versioned).programmes.find((p) => p.id === 'sme-labour-saving');
    expect(programme?.studySpec.version).toBe(nextVersion);
    expect(programme?.specHash).toBe(frozen.hash);
    expect(programme?.specHash).not.toBe(programme?.file.studySpecs[0].frozenHash);
    // The new version was registered after the first call (June 2021) opened: runs using it are flagged.
    expect(programme?.specRegisteredAfterCallOpened).toBe(true);
  });

  it('rejects a study spec outcome that the programme does not collect, or that names no outcome indicator', () => {
    const folder = catalogueWith('biomanufacturing', (p) => {
      p.studySpecs[1].outcomes = ['patents'];
    });
    expect(problemsOf(folder)).toContainEqual(expect.objectContaining({ field: 'studySpecs.1.outcomes.0', message: expect.stringContaining('"patents" is not a measure of the outcome file') }));
    expect(problemsOf(folder)).toContainEqual(expect.objectContaining({ field: 'studySpecs.1.outcomeIndicators.patents', message: expect.stringContaining('say which outcome indicator') }));
  });

  it('adds the programmes of each EBPM_CATALOGUE_DIR folder to the built-in ones, and skips a broken file without blocking the others', () => {
    const added = addedFolder();
    writeProgramme(added, 'hydrogen-supply', (p) => {
      p.nameEn = 'Hydrogen supply chain';
    });
    freezeStudySpecs(added, 'hydrogen-supply');
    const brokenFolder = addedFolder();
    writeProgramme(brokenFolder, 'draft-programme', (p) => {
      p.logicModel.output[0].indicatorClass = 'not-a-class';
    });
    freezeStudySpecs(brokenFolder, 'draft-programme');

    const result = loadCatalogue([defaultCatalogueDirectory(), added, brokenFolder]);
    expect(result.programmes).toHaveLength(12);
    expect(result.programmes.filter((p) => p.source === BUILT_IN_SOURCE)).toHaveLength(11);
    expect(result.programmes.find((p) => p.id === 'hydrogen-supply')?.source).toBe(join(added, 'hydrogen-supply.json'));
    expect(result.classes.classes).toHaveLength(9);
    expect(result.broken).toEqual([
      {
        programmeId: 'draft-programme',
        file: join(brokenFolder, 'draft-programme.json'),
        problems: [expect.objectContaining({ field: 'logicModel.output.0.indicatorClass', message: expect.stringContaining('unknown indicator class "not-a-class"; use one of research_and_development') })],
      },
    ]);
    expect(getProgramme('hydrogen-supply', result).nameEn).toBe('Hydrogen supply chain');
    expect(() => getProgramme('draft-programme', result)).toThrow(InvalidProgrammeError);
    expect(() => getProgramme('draft-programme', result)).toThrow(/draft-programme\.json: logicModel\.output\.0\.indicatorClass: unknown indicator class/);
  });

  it('lets an added folder declare indicator classes of its own, beside the built-in ones', () => {
    const added = addedFolder();
    writeFileSync(
      join(added, 'indicator-classes.json'),
      JSON.stringify({ provenance: 'test', classes: [{ id: 'energy_transition', nameJa: 'エネルギー転換', nameEn: 'Energy transition', description: 'Programmes that shift energy supply' }] }),
    );
    writeProgramme(added, 'hydrogen-supply', (p) => {
      p.logicModel.impact[0].indicatorClass = 'energy_transition';
    });
    freezeStudySpecs(added, 'hydrogen-supply');
    const result = loadValidCatalogue([defaultCatalogueDirectory(), added]);
    expect(result.classes.classes.map((c) => c.id)).toEqual(expect.arrayContaining(['research_and_development', 'energy_transition']));
    expect(result.programmes).toHaveLength(12);
  });

  it('refuses a programme id defined twice, naming both files, and keeps the other programmes', () => {
    const added = addedFolder();
    writeProgramme(added, 'space-strategy-fund', () => undefined);
    const result = loadCatalogue([defaultCatalogueDirectory(), added]);
    const builtInFile = join(defaultCatalogueDirectory(), 'space-strategy-fund.json');
    const addedFile = join(added, 'space-strategy-fund.json');
    expect(result.programmes.map((p) => p.id)).not.toContain('space-strategy-fund');
    expect(result.programmes).toHaveLength(10);
    expect(result.broken.map((b) => b.file)).toEqual([builtInFile, addedFile]);
    for (const broken of result.broken) {
      expect(broken.problems).toContainEqual(expect.objectContaining({ field: 'id', message: expect.stringContaining(`defined more than once: in ${builtInFile} and in ${addedFile}`) }));
    }
  });

  it('refuses a KPI expression that names a column the KPI engine does not give, listing the valid ones', () => {
    const folder = catalogueWith('sme-labour-saving', (p) => {
      const indicator = p.logicModel.output.find((i) => i.computation && i.computation.source === 'applications');
      if (!indicator?.computation || indicator.computation.source === 'statistics') throw new Error('sme-labour-saving has no applications KPI to break');
      indicator.computation.value = 'd => op.sum(d.grant_amount)';
    });
    const [problem] = problemsOf(folder);
    expect(problem.field).toMatch(/^logicModel\.output\.\d+\.computation\.value$/);
    expect(problem.message).toContain('names "grant_amount", not a column of applications; use one of unit_id, corporate_number, awarded, award_fiscal_year, application_fiscal_year, subsidy_amount_yen, requested_amount_yen, employees');
    const outcomes = catalogueWith('sme-labour-saving', (p) => {
      const indicator = ['shortTermOutcome', 'midTermOutcome', 'impact'].flatMap((stage) => p.logicModel[stage as 'impact']).find((i) => i.computation?.source === 'outcomes');
      if (!indicator?.computation || indicator.computation.source === 'statistics') throw new Error('sme-labour-saving has no outcomes KPI to break');
      indicator.computation.filter = "d => d['post_award'] && d.awarded_year > 2020";
    });
    const [outcomeProblem] = problemsOf(outcomes);
    expect(outcomeProblem.message).toContain('names "awarded_year", not a column of outcomes');
    expect(outcomeProblem.message).toContain(`use one of ${OUTCOME_KPI_COLUMNS.map((c) => c.name).join(', ')}, `);
    expect(outcomeProblem.message).toMatch(/use one of .*\blabour_productivity\b/);
  });

  it('reports a missing EBPM_CATALOGUE_DIR folder and a fiscal-year column the KPI table lacks, keeping every other programme', () => {
    const missing = join(tmpdir(), 'ebpm-no-such-catalogue-folder');
    const folder = catalogueWith('sme-labour-saving', (p) => {
      const indicator = p.logicModel.output.find((i) => i.computation && i.computation.source === 'applications');
      if (!indicator?.computation || indicator.computation.source === 'statistics') throw new Error('sme-labour-saving has no applications KPI to break');
      indicator.computation.fiscalYearColumn = 'fiscal_year';
    });
    const result = loadCatalogue([folder, missing]);
    expect(result.programmes).toHaveLength(10);
    expect(result.problems).toContainEqual(expect.objectContaining({ file: missing, field: '(folder)', message: expect.stringContaining('fix or remove it from EBPM_CATALOGUE_DIR') }));
    expect(result.broken.map((b) => b.programmeId)).toEqual(['sme-labour-saving']);
    expect(result.broken[0].problems).toContainEqual(
      expect.objectContaining({ field: expect.stringMatching(/computation\.fiscalYearColumn$/), message: expect.stringContaining('"fiscal_year" is not a column of applications; use one of unit_id') }),
    );
  });

  it('documents in the README exactly the KPI columns that validation accepts and the engine builds', () => {
    expect(readText(new URL('../README.md', import.meta.url), 'utf8')).toContain(kpiColumnsMarkdown());
  });
});

/** An empty folder for programmes added through EBPM_CATALOGUE_DIR. */
function addedFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'ebpm-added-catalogue-'));
  scratchFolders.push(folder);
  return folder;
}

/** A new programme in `folder`: a copy of biomanufacturing under another id, its spec versions left to be frozen. */
function writeProgramme(folder: string, id: string, edit: (programme: ProgrammeFile) => void): void {
  const programme = JSON.parse(readFileSync(join(defaultCatalogueDirectory(), 'biomanufacturing.json'), 'utf8')) as ProgrammeFile;
  programme.id = id;
  programme.nameJa = `${programme.nameJa}（${id}）`;
  programme.nameEn = id;
  edit(programme);
  if (id !== 'space-strategy-fund') for (const version of programme.studySpecs) version.frozenHash = '';
  writeFileSync(join(folder, `${id}.json`), JSON.stringify(programme, null, 2));
}
