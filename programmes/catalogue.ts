/**
 * Reads and checks the programme catalogue: the built-in folder (programmes/catalogue/*.json) plus any folders
 * named in EBPM_CATALOGUE_DIR (separated by ':'), whose programmes and indicator classes are added to it. Each
 * file is checked against the schema, its indicator classes against the class lists, its KPI expressions against
 * the columns the KPI engine gives, and every study-spec version against its frozen hash, so that a registered
 * spec cannot change without becoming a new version. A programme file with a problem is skipped, not fatal:
 * every other programme keeps working, and anything asked of the broken one fails with its problems, each naming
 * the file, the field and the fix.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { draftPlaceholders } from './draft-placeholders.js';
import { BUILT_IN_SOURCE, CLASS_LIST_FILE, defaultCatalogueDirectory, catalogueFolders } from './catalogue-folders.js';
import {
  indicatorClassListSchema,
  LOGIC_MODEL_STAGE_KEYS,
  LOGIC_MODEL_STAGE_NAMES,
  programmeFileSchema,
  programmeObjectSchema,
  type IndicatorClassList,
  type ProgrammeFile,
} from '../schemas/catalogue.js';
import type { KpiDefinition } from '../schemas/kpi-definition.js';
import { studySpecHash, type StudySpec } from '../schemas/study-spec.js';
import { kpiColumnsOf, unknownKpiColumns } from '../kpi/columns.js';

export { BUILT_IN_SOURCE, catalogueFolders, CLASS_LIST_FILE, defaultCatalogueDirectory, splitFolderList } from './catalogue-folders.js';

export interface CatalogueProblem {
  readonly file: string;
  readonly field: string;
  readonly message: string;
}

function problemLines(problems: readonly CatalogueProblem[]): string {
  return problems.map((p) => `  ${p.file}: ${p.field}: ${p.message}`).join('\n');
}

export class CatalogueValidationError extends Error {
  constructor(readonly problems: readonly CatalogueProblem[]) {
    super(`the programme catalogue is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problemLines(problems)}`);
    this.name = 'CatalogueValidationError';
  }
}

export class UnknownProgrammeError extends Error {
  constructor(
    readonly programmeId: string,
    known: readonly string[],
  ) {
    super(`unknown programme "${programmeId}"; known programmes: ${known.join(', ')}`);
    this.name = 'UnknownProgrammeError';
  }
}

/** A programme whose catalogue file does not validate: it is skipped, and anything asked of it fails with this. */
export class InvalidProgrammeError extends Error {
  constructor(readonly broken: BrokenProgramme) {
    super(
      `programme "${broken.programmeId}" cannot be used: its catalogue file does not validate (it is skipped; the other programmes are not affected):\n` +
        `${problemLines(broken.problems)}\nFix the file (see \`ebpm programmes validate\`).`,
    );
    this.name = 'InvalidProgrammeError';
  }
}

/** A programme as the pipeline uses it: catalogue data plus what follows from it. */
export interface Programme {
  readonly id: string;
  readonly nameJa: string;
  readonly nameEn: string;
  readonly ministry: string;
  readonly file: ProgrammeFile;
  /** Where it is defined: BUILT_IN_SOURCE, or the path of its file in a folder of EBPM_CATALOGUE_DIR. */
  readonly source: string;
  /** Indicators the pipeline computes or reads from statistics files, in logic-model order. */
  readonly kpis: readonly KpiDefinition[];
  /** The latest registered study spec version. */
  readonly studySpec: StudySpec;
  readonly specHash: string;
  /**
   * True when that version's registeredAt, as typed in the catalogue, is after the first call opened: a claim only.
   * Runs judge the date the registration log recorded (governance/spec-registrations.ts).
   */
  readonly specRegisteredAfterCallOpened: boolean;
}

/** A programme file that did not validate, under the id it claims (or its file name when it claims none). */
export interface BrokenProgramme {
  readonly programmeId: string;
  readonly file: string;
  readonly problems: readonly CatalogueProblem[];
}

export interface Catalogue {
  /** The built-in indicator classes followed by those the added folders declare. */
  readonly classes: IndicatorClassList;
  /** Every programme that validates. */
  readonly programmes: readonly Programme[];
  /** Programme files skipped because they do not validate. */
  readonly broken: readonly BrokenProgramme[];
  /** Every problem found, of programme files and of added class lists alike. */
  readonly problems: readonly CatalogueProblem[];
}

function issuesToProblems(file: string, issues: readonly z.core.$ZodIssue[]): CatalogueProblem[] {
  return issues.map((issue) => ({ file, field: issue.path.map(String).join('.') || '(file)', message: issue.message }));
}

function readJson(path: string, problems: CatalogueProblem[]): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push({ file: path, field: '(file)', message: `not readable JSON: ${(error as Error).message}` });
    return undefined;
  }
}

/** Study spec of a version as runs use it; its hash is what `frozenHash` must hold. */
export function specOfVersion(programmeId: string, version: ProgrammeFile['studySpecs'][number]): StudySpec {
  const { frozenHash: _frozen, ...content } = version;
  return { programmeId, ...content };
}

/** When the programme's first call for applications opened: the start (Japan time) of the earliest round's opening day. */
export function firstCallOpenedAt(file: Pick<ProgrammeFile, 'callRounds'>): Date {
  const firstOpening = [...file.callRounds].map((round) => round.opens).sort()[0];
  return new Date(`${firstOpening}T00:00:00+09:00`);
}

/** True when a spec registered at `registeredAt` was registered on or after the day the first call opened. */
export function registeredAfterCallOpened(file: Pick<ProgrammeFile, 'callRounds'>, registeredAt: Date | string): boolean {
  return new Date(registeredAt).getTime() >= firstCallOpenedAt(file).getTime();
}

function toProgramme(file: ProgrammeFile, source: string): Programme {
  const latest = file.studySpecs[file.studySpecs.length - 1];
  const studySpec = specOfVersion(file.id, latest);
  const kpis: KpiDefinition[] = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) =>
    file.logicModel[stage].flatMap((indicator) =>
      indicator.computation
        ? [{ id: indicator.id, stage: LOGIC_MODEL_STAGE_NAMES[stage], nameJa: indicator.nameJa, nameEn: indicator.nameEn, unit: indicator.unit, computation: indicator.computation }]
        : [],
    ),
  );
  return {
    id: file.id,
    nameJa: file.nameJa,
    nameEn: file.nameEn,
    ministry: file.ministry,
    file,
    source,
    kpis,
    studySpec,
    specHash: latest.frozenHash,
    specRegisteredAfterCallOpened: registeredAfterCallOpened(file, latest.registeredAt),
  };
}

function jsonFilesOf(folder: string): string[] {
  try {
    return readdirSync(folder).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new CatalogueValidationError([{ file: folder, field: '(folder)', message: `cannot read the catalogue folder: ${(error as Error).message}; fix or remove it from EBPM_CATALOGUE_DIR` }]);
  }
}

/** The JSON files of an added folder; one that cannot be read is a problem reported beside the others, not fatal. */
function addedJsonFilesOf(folder: string, problems: CatalogueProblem[]): string[] {
  try {
    return jsonFilesOf(folder);
  } catch (error) {
    if (error instanceof CatalogueValidationError) {
      problems.push(...error.problems);
      return [];
    }
    throw error;
  }
}

/**
 * The indicator classes of every folder: the first (base) folder must hold a valid list, or nothing can be
 * checked; an added folder may add classes of its own, and a problem in its list is reported, not fatal.
 */
function readClasses(folders: readonly string[], problems: CatalogueProblem[]): IndicatorClassList {
  const [base, ...added] = folders;
  const basePath = join(base, CLASS_LIST_FILE);
  const baseProblems: CatalogueProblem[] = [];
  const baseJson = jsonFilesOf(base).includes(CLASS_LIST_FILE) ? readJson(basePath, baseProblems) : undefined;
  if (baseJson === undefined && !baseProblems.length) baseProblems.push({ file: basePath, field: '(file)', message: 'the list of indicator classes is missing; restore it from the repository' });
  const parsedBase = indicatorClassListSchema.safeParse(baseJson);
  if (baseJson !== undefined && !parsedBase.success) baseProblems.push(...issuesToProblems(basePath, parsedBase.error.issues));
  if (baseProblems.length || !parsedBase.success) throw new CatalogueValidationError(baseProblems);
  const classes = [...parsedBase.data.classes];
  const definedIn = new Map(classes.map((c) => [c.id, basePath]));
  for (const folder of added) {
    if (!addedJsonFilesOf(folder, []).includes(CLASS_LIST_FILE)) continue;
    const path = join(folder, CLASS_LIST_FILE);
    const json = readJson(path, problems);
    if (json === undefined) continue;
    const parsed = indicatorClassListSchema.safeParse(json);
    if (!parsed.success) {
      problems.push(...issuesToProblems(path, parsed.error.issues));
      continue;
    }
    parsed.data.classes.forEach((c, index) => {
      const earlier = definedIn.get(c.id);
      if (earlier) {
        problems.push({ file: path, field: `classes.${index}.id`, message: `indicator class "${c.id}" is already defined in ${earlier}; remove it here or give it another id` });
        return;
      }
      definedIn.set(c.id, path);
      classes.push(c);
    });
  }
  return { ...parsedBase.data, classes };
}

interface Candidate {
  readonly id: string;
  readonly path: string;
  readonly source: string;
  readonly file: ProgrammeFile | undefined;
  readonly problems: CatalogueProblem[];
}

/** Checks one programme file on its own (schema, name, classes, KPI columns, frozen hashes). */
function checkProgrammeFile(path: string, source: string, classIds: ReadonlySet<string>): Candidate {
  const problems: CatalogueProblem[] = [];
  const name = basename(path);
  const json = readJson(path, problems);
  const claimedId = typeof (json as { id?: unknown } | undefined)?.id === 'string' ? String((json as { id: string }).id) : name.replace(/\.json$/, '');
  if (json === undefined) return { id: claimedId, path, source, file: undefined, problems };
  const placeholders = draftPlaceholders(json);
  if (placeholders.length) {
    const problems = placeholders.map((p) => ({ file: path, field: p.field, message: `a draft placeholder is left: complete it with ${p.what}` }));
    return { id: claimedId, path, source, file: undefined, problems };
  }
  const parsed = programmeFileSchema.safeParse(json);
  if (!parsed.success) return { id: claimedId, path, source, file: undefined, problems: issuesToProblems(path, parsed.error.issues) };
  const file = parsed.data;
  if (`${file.id}.json` !== name) problems.push({ file: path, field: 'id', message: `the id "${file.id}" must match the file name; rename the file to ${file.id}.json` });
  for (const stage of LOGIC_MODEL_STAGE_KEYS) {
    file.logicModel[stage].forEach((indicator, index) => {
      if (!classIds.has(indicator.indicatorClass)) {
        problems.push({
          file: path,
          field: `logicModel.${stage}.${index}.indicatorClass`,
          message: `unknown indicator class "${indicator.indicatorClass}"; use one of ${[...classIds].join(', ')} (from ${CLASS_LIST_FILE}, or add it to the ${CLASS_LIST_FILE} of this file's folder)`,
        });
      }
      const computation = indicator.computation;
      if (computation && computation.source !== 'statistics') {
        const columns = kpiColumnsOf(computation.source, file);
        if (!columns.includes(computation.fiscalYearColumn)) {
          problems.push({
            file: path,
            field: `logicModel.${stage}.${index}.computation.fiscalYearColumn`,
            message: `"${computation.fiscalYearColumn}" is not a column of ${computation.source}; use one of ${columns.join(', ')} (see README, "KPI computations")`,
          });
        }
        for (const part of ['filter', 'value'] as const) {
          const expression = computation[part];
          if (expression === undefined) continue;
          const unknown = unknownKpiColumns(computation.source, file, expression);
          if (unknown.unknown.length) {
            problems.push({
              file: path,
              field: `logicModel.${stage}.${index}.computation.${part}`,
              message: `"${expression}" names ${unknown.unknown.map((c) => `"${c}"`).join(', ')}, not a column of ${computation.source}; use one of ${unknown.valid.join(', ')} (see README, "KPI computations")`,
            });
          }
        }
      }
    });
  }
  file.studySpecs.forEach((version, index) => {
    const expected = studySpecHash(specOfVersion(file.id, version));
    if (version.frozenHash !== expected) {
      problems.push({
        file: path,
        field: `studySpecs.${index}.frozenHash`,
        message: version.frozenHash
          ? `version ${version.version} no longer matches the hash it was frozen with; a registered spec must not change: restore it and add the change as version ${file.studySpecs.length + 1}`
          : `version ${version.version} is not frozen yet; run \`ebpm programmes freeze ${file.id} --catalogue ${dirname(path)}\` to register it`,
      });
    }
  });
  return { id: file.id, path, source, file, problems };
}

/**
 * Reads a catalogue: the first folder is the base (it must hold indicator-classes.json), every further folder
 * adds its programmes and classes. A programme file with a problem, or whose id another file also defines, is
 * skipped and reported in `broken`; only an unreadable base class list or folder is thrown.
 */
export function loadCatalogue(folders: string | readonly string[] = catalogueFolders()): Catalogue {
  const list = typeof folders === 'string' ? [folders] : folders;
  const problems: CatalogueProblem[] = [];
  const classes = readClasses(list, problems);
  const classIds = new Set(classes.classes.map((c) => c.id));
  const builtIn = resolve(defaultCatalogueDirectory());
  const candidates = list.flatMap((folder, index) =>
    (index === 0 ? jsonFilesOf(folder) : addedJsonFilesOf(folder, problems))
      .filter((name) => name !== CLASS_LIST_FILE)
      .map((name) => checkProgrammeFile(join(folder, name), resolve(folder) === builtIn ? BUILT_IN_SOURCE : join(folder, name), classIds)),
  );
  const byId = new Map<string, Candidate[]>();
  for (const candidate of candidates) byId.set(candidate.id, [...(byId.get(candidate.id) ?? []), candidate]);
  const programmes: Programme[] = [];
  const broken: BrokenProgramme[] = [];
  for (const candidate of candidates) {
    const twins = byId.get(candidate.id) ?? [];
    const candidateProblems = [...candidate.problems];
    if (twins.length > 1) {
      candidateProblems.push({
        file: candidate.path,
        field: 'id',
        message: `programme id "${candidate.id}" is defined more than once: in ${twins.map((t) => t.path).join(' and in ')}; keep one definition (give the other a new id) or drop one folder from EBPM_CATALOGUE_DIR`,
      });
    }
    problems.push(...candidateProblems);
    if (candidateProblems.length || !candidate.file) broken.push({ programmeId: candidate.id, file: candidate.path, problems: candidateProblems });
    else programmes.push(toProgramme(candidate.file, candidate.source));
  }
  return { classes, programmes, broken, problems };
}

/** As loadCatalogue, but any problem at all is an error: for `programmes validate` and tests. */
export function loadValidCatalogue(folders: string | readonly string[] = catalogueFolders()): Catalogue {
  const result = loadCatalogue(folders);
  if (result.problems.length) throw new CatalogueValidationError(result.problems);
  return result;
}

let cached: Catalogue | undefined;

/** The catalogue of this process (built-in plus EBPM_CATALOGUE_DIR), read once per process. */
export function catalogue(): Catalogue {
  cached ??= loadCatalogue();
  return cached;
}

/** Every programme that validates. */
export function listProgrammes(): readonly Programme[] {
  return catalogue().programmes;
}

/** The programme with this id among `programmes` (the process's catalogue by default), if there is one. */
export function findProgramme(programmeId: string, programmes: readonly Programme[] = listProgrammes()): Programme | undefined {
  return programmes.find((candidate) => candidate.id === programmeId);
}

/** The skipped file that claims this id in `of` (the process's catalogue by default), if there is one. */
export function findBrokenProgramme(programmeId: string, of: Catalogue = catalogue()): BrokenProgramme | undefined {
  return of.broken.find((candidate) => candidate.programmeId === programmeId);
}

/**
 * As findProgramme, but an unknown id is an error that lists the known ones, and the id of a skipped file is an
 * InvalidProgrammeError carrying its problems. With a list of programmes, only that list is searched.
 */
export function getProgramme(programmeId: string, programmes?: readonly Programme[] | Catalogue): Programme {
  const of = programmes === undefined ? catalogue() : 'broken' in programmes ? programmes : { programmes, broken: [] as BrokenProgramme[] };
  const programme = findProgramme(programmeId, of.programmes);
  if (programme) return programme;
  const broken = of.broken.find((candidate) => candidate.programmeId === programmeId);
  if (broken) throw new InvalidProgrammeError(broken);
  throw new UnknownProgrammeError(programmeId, of.programmes.map((p) => p.id));
}

/**
 * Writes the hash of every study-spec version that has none yet (an empty frozenHash), registering it.
 * Versions already frozen are left alone: changing one is what validation refuses.
 */
export function freezeStudySpecs(directory: string, programmeId: string): { version: number; hash: string }[] {
  const path = join(directory, `${programmeId}.json`);
  const problems: CatalogueProblem[] = [];
  const json = readJson(path, problems) as { id?: string; studySpecs?: Record<string, unknown>[] } | undefined;
  if (!json || !Array.isArray(json.studySpecs)) throw new CatalogueValidationError(problems.length ? problems : [{ file: basename(path), field: 'studySpecs', message: 'no study specs to freeze' }]);
  const frozen: { version: number; hash: string }[] = [];
  for (const version of json.studySpecs) {
    if (version.frozenHash) continue;
    const candidate = programmeObjectSchema.shape.studySpecs.element.safeParse({ ...version, frozenHash: '0'.repeat(64) });
    if (!candidate.success) throw new CatalogueValidationError(issuesToProblems(basename(path), candidate.error.issues));
    const hash = studySpecHash(specOfVersion(programmeId, candidate.data));
    version.frozenHash = hash;
    frozen.push({ version: candidate.data.version, hash });
  }
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  return frozen;
}

