/**
 * Reads and checks the programme catalogue (programmes/catalogue/*.json): each file against the schema,
 * indicator classes against the class list, and every study-spec version against its frozen hash, so that
 * a registered spec cannot change without becoming a new version. Problems name the file, the field and
 * the fix.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { z } from 'zod';
import { projectRoot } from '../config/project-root.js';
import {
  indicatorClassListSchema,
  LOGIC_MODEL_STAGE_KEYS,
  LOGIC_MODEL_STAGE_NAMES,
  programmeFileSchema,
  type IndicatorClassList,
  type ProgrammeFile,
} from '../schemas/catalogue.js';
import type { KpiDefinition } from '../schemas/kpi-definition.js';
import { studySpecHash, type StudySpec } from '../schemas/study-spec.js';

export const CLASS_LIST_FILE = 'indicator-classes.json';

/** programmes/catalogue in the project, or EBPM_CATALOGUE_DIR when a deployment keeps its catalogue elsewhere. */
export function defaultCatalogueDirectory(): string {
  return process.env.EBPM_CATALOGUE_DIR || join(projectRoot(), 'programmes', 'catalogue');
}

export interface CatalogueProblem {
  readonly file: string;
  readonly field: string;
  readonly message: string;
}

export class CatalogueValidationError extends Error {
  constructor(readonly problems: readonly CatalogueProblem[]) {
    super(
      `the programme catalogue is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.file}: ${p.field}: ${p.message}`).join('\n'),
    );
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

/** A programme as the pipeline uses it: catalogue data plus what follows from it. */
export interface Programme {
  readonly id: string;
  readonly nameJa: string;
  readonly nameEn: string;
  readonly ministry: string;
  readonly file: ProgrammeFile;
  /** Indicators the pipeline computes or reads from statistics files, in logic-model order. */
  readonly kpis: readonly KpiDefinition[];
  /** The latest registered study spec version. */
  readonly studySpec: StudySpec;
  readonly specHash: string;
  /** True when that version was registered after the first call for applications opened. */
  readonly specRegisteredAfterCallOpened: boolean;
}

export interface Catalogue {
  readonly classes: IndicatorClassList;
  readonly programmes: readonly Programme[];
}

function issuesToProblems(file: string, issues: readonly z.core.$ZodIssue[]): CatalogueProblem[] {
  return issues.map((issue) => ({ file, field: issue.path.map(String).join('.') || '(file)', message: issue.message }));
}

function readJson(path: string, problems: CatalogueProblem[]): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push({ file: basename(path), field: '(file)', message: `not readable JSON: ${(error as Error).message}` });
    return undefined;
  }
}

/** Study spec of a version as runs use it; its hash is what `frozenHash` must hold. */
export function specOfVersion(programmeId: string, version: ProgrammeFile['studySpecs'][number]): StudySpec {
  const { frozenHash: _frozen, ...content } = version;
  return { programmeId, ...content };
}

function toProgramme(file: ProgrammeFile): Programme {
  const latest = file.studySpecs[file.studySpecs.length - 1];
  const studySpec = specOfVersion(file.id, latest);
  const firstOpening = [...file.callRounds].map((round) => round.opens).sort()[0];
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
    kpis,
    studySpec,
    specHash: latest.frozenHash,
    specRegisteredAfterCallOpened: new Date(latest.registeredAt).getTime() >= new Date(`${firstOpening}T00:00:00+09:00`).getTime(),
  };
}

/** Reads every programme file of a catalogue folder; throws CatalogueValidationError listing every problem. */
export function loadCatalogue(directory = defaultCatalogueDirectory()): Catalogue {
  const problems: CatalogueProblem[] = [];
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new CatalogueValidationError([{ file: directory, field: '(folder)', message: `cannot read the catalogue folder: ${(error as Error).message}` }]);
  }
  if (!names.includes(CLASS_LIST_FILE)) {
    problems.push({ file: CLASS_LIST_FILE, field: '(file)', message: 'the list of indicator classes is missing; restore it from the repository' });
  }
  const classesJson = names.includes(CLASS_LIST_FILE) ? readJson(join(directory, CLASS_LIST_FILE), problems) : undefined;
  const classes = indicatorClassListSchema.safeParse(classesJson);
  if (classesJson !== undefined && !classes.success) problems.push(...issuesToProblems(CLASS_LIST_FILE, classes.error.issues));
  const classIds = new Set(classes.success ? classes.data.classes.map((c) => c.id) : []);

  const programmes: Programme[] = [];
  const seenIds = new Map<string, string>();
  for (const name of names.filter((n) => n !== CLASS_LIST_FILE)) {
    const json = readJson(join(directory, name), problems);
    if (json === undefined) continue;
    const parsed = programmeFileSchema.safeParse(json);
    if (!parsed.success) {
      problems.push(...issuesToProblems(name, parsed.error.issues));
      continue;
    }
    const file = parsed.data;
    const before = problems.length;
    if (`${file.id}.json` !== name) problems.push({ file: name, field: 'id', message: `the id "${file.id}" must match the file name; rename the file to ${file.id}.json` });
    const duplicate = seenIds.get(file.id);
    if (duplicate) problems.push({ file: name, field: 'id', message: `programme id "${file.id}" is also used by ${duplicate}` });
    seenIds.set(file.id, name);
    for (const stage of LOGIC_MODEL_STAGE_KEYS) {
      file.logicModel[stage].forEach((indicator, index) => {
        if (classes.success && !classIds.has(indicator.indicatorClass)) {
          problems.push({
            file: name,
            field: `logicModel.${stage}.${index}.indicatorClass`,
            message: `unknown indicator class "${indicator.indicatorClass}"; use one of ${[...classIds].join(', ')} (from ${CLASS_LIST_FILE})`,
          });
        }
      });
    }
    file.studySpecs.forEach((version, index) => {
      const expected = studySpecHash(specOfVersion(file.id, version));
      if (version.frozenHash !== expected) {
        problems.push({
          file: name,
          field: `studySpecs.${index}.frozenHash`,
          message: `version ${version.version} no longer matches the hash it was frozen with; a registered spec must not change: restore it and add the change as version ${file.studySpecs.length + 1}`,
        });
      }
    });
    if (problems.length === before) programmes.push(toProgramme(file));
  }
  if (problems.length) throw new CatalogueValidationError(problems);
  return { classes: classes.data as IndicatorClassList, programmes };
}

let cached: Catalogue | undefined;

/** The repository's catalogue, read once per process. */
export function catalogue(): Catalogue {
  cached ??= loadCatalogue();
  return cached;
}

export function listProgrammes(): readonly Programme[] {
  return catalogue().programmes;
}

/** The programme with this id among `programmes` (the repository's catalogue by default), if there is one. */
export function findProgramme(programmeId: string, programmes: readonly Programme[] = listProgrammes()): Programme | undefined {
  return programmes.find((candidate) => candidate.id === programmeId);
}

/** As findProgramme, but an unknown id is an error that lists the known ones. */
export function getProgramme(programmeId: string, programmes: readonly Programme[] = listProgrammes()): Programme {
  const programme = findProgramme(programmeId, programmes);
  if (!programme) throw new UnknownProgrammeError(programmeId, programmes.map((p) => p.id));
  return programme;
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
    const candidate = programmeFileSchema.shape.studySpecs.element.safeParse({ ...version, frozenHash: '0'.repeat(64) });
    if (!candidate.success) throw new CatalogueValidationError(issuesToProblems(basename(path), candidate.error.issues));
    const hash = studySpecHash(specOfVersion(programmeId, candidate.data));
    version.frozenHash = hash;
    frozen.push({ version: candidate.data.version, hash });
  }
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  return frozen;
}

