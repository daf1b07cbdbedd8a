/**
 * `ebpm programmes list`, apart from the other programmes actions: it reads the catalogue through the on-disk cache
 * of validated catalogues (programmes/catalogue-cache.ts) and loads neither zod nor the power analysis, so that
 * listing starts at once. Problems of skipped files are printed exactly as a fresh validation reports them.
 */
import { parseArgs } from 'node:util';
import { cachedCatalogue } from '../../programmes/catalogue-cache.js';
import { catalogueFolders, splitFolderList } from '../../programmes/catalogue-folders.js';
import type { Catalogue, CatalogueProblem, Programme } from '../../programmes/catalogue.js';
import { LOGIC_MODEL_STAGE_KEYS } from '../../schemas/logic-model-stages.js';
import { formatTable } from '../format.js';

/** The options every `ebpm programmes` action accepts (each uses its own). */
export const PROGRAMMES_OPTIONS = {
  json: { type: 'boolean' },
  format: { type: 'string' },
  catalogue: { type: 'string' },
  replications: { type: 'string' },
  seed: { type: 'string' },
  loaded: { type: 'boolean' },
  verify: { type: 'boolean' },
  year: { type: 'string' },
  out: { type: 'string' },
} as const;

function listText(programmes: readonly Programme[]): string {
  return formatTable(
    ['id', 'programme', 'unit', 'call rounds', 'indicators', 'spec', 'registered (claimed)', 'source'],
    programmes.map((p) => [
      p.id,
      `${p.nameJa} (${p.nameEn})`,
      p.file.unitOfAnalysis,
      String(p.file.callRounds.length),
      String(LOGIC_MODEL_STAGE_KEYS.reduce((sum, stage) => sum + p.file.logicModel[stage].length, 0)),
      `v${p.studySpec.version} ${p.specHash.slice(0, 12)}…`,
      `${p.studySpec.registeredAt.slice(0, 10)}${p.specRegisteredAfterCallOpened ? ' (after the call opened)' : ''}`,
      p.source,
    ]),
  );
}

function problemsText(problems: readonly CatalogueProblem[]): string {
  return problems.map((p) => `  ${p.file}: ${p.field}: ${p.message}`).join('\n');
}

/** The skipped programme files of a catalogue, for stderr: reported, while the others keep working. */
export function brokenText(of: Catalogue): string {
  // By value, not identity: a catalogue read back from the cache (JSON) no longer shares its problem objects
  // between `broken` and `problems`, and every broken file's problems were printed a second time as "also skipped".
  const key = (problem: CatalogueProblem) => `${problem.file}\u0000${problem.field}\u0000${problem.message}`;
  const ofBrokenFiles = new Set(of.broken.flatMap((b) => b.problems.map(key)));
  const others = of.problems.filter((problem) => !ofBrokenFiles.has(key(problem)));
  return [
    ...of.broken.map((b) => `programme "${b.programmeId}" skipped: ${b.file} does not validate:\n${problemsText(b.problems)}`),
    ...(others.length ? [`also skipped (folders and indicator-class lists):\n${problemsText(others)}`] : []),
  ].join('\n');
}

/** `ebpm programmes list [--json] [--catalogue BASE[:ADDED…]]`; `args` are those after `list`. */
export async function programmesListCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, allowPositionals: true, options: PROGRAMMES_OPTIONS });
  const of = await cachedCatalogue(values.catalogue ? splitFolderList(values.catalogue) : catalogueFolders());
  const programmes = of.programmes;
  console.log(values.json ? JSON.stringify(programmes.map((p) => ({ id: p.id, nameJa: p.nameJa, nameEn: p.nameEn, source: p.source, specVersion: p.studySpec.version, specHash: p.specHash, registeredAt: p.studySpec.registeredAt, specClaimedAfterCallOpened: p.specRegisteredAfterCallOpened })), null, 2) : listText(programmes));
  if (of.problems.length) console.error(brokenText(of));
}
