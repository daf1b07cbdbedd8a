import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BUILT_IN_SOURCE,
  catalogue,
  catalogueFolders,
  CatalogueValidationError,
  CLASS_LIST_FILE,
  defaultCatalogueDirectory,
  freezeStudySpecs,
  getProgramme,
  loadCatalogue,
  registeredAfterCallOpened,
  splitFolderList,
  type Catalogue,
  type Programme,
} from '../../programmes/catalogue.js';
import { LOGIC_MODEL_STAGE_KEYS, type DataField } from '../../schemas/catalogue.js';
import type { ObservedBaseline, PowerAnalysis } from '../../analysis/power.js';
import type { Kysely } from 'kysely';
import { readEnvironment } from '../../config/environment.js';
import type { SpecRegistration } from '../../governance/registration-chain.js';
import type { LogVerdict } from '../../governance/spec-registrations.js';
import type { Database } from '../../sql/database.js';
import { CommandFailure, UsageError } from '../errors.js';
import { formatNumber, formatTable } from '../format.js';
import { brokenText, PROGRAMMES_OPTIONS, programmesListCommand } from './programmes-list.js';

const STAGE_LABELS = {
  input: 'input',
  activity: 'activity',
  output: 'output',
  shortTermOutcome: 'short-term outcome',
  midTermOutcome: 'mid-term outcome',
  impact: 'impact',
} as const;

/** The power analysis, loaded only by the actions that simulate (show, power): it pulls in the DiD estimator. */
async function powerModules() {
  const [power, targets] = await Promise.all([import('../../analysis/power.js'), import('../../analysis/power-against-targets.js')]);
  return { ...power, ...targets };
}
type PowerModules = Awaited<ReturnType<typeof powerModules>>;

function powerAnalysis({ programmePower, PowerPlanError }: PowerModules, p: Programme, replications: number, seed: number, observed: Readonly<Record<string, ObservedBaseline>> = {}): PowerAnalysis | null {
  try {
    return programmePower(p, { replications, seed }, observed);
  } catch (error) {
    if (error instanceof PowerPlanError) throw new UsageError(error.message);
    throw error;
  }
}

function powerText({ targetsAgainstPower, TARGET_SCALE_WORDS }: PowerModules, p: Programme, analysis: PowerAnalysis | null): string {
  if (!analysis)
    return `Minimum detectable effect: not computed: ${p.id} declares no plannedCall in the catalogue (expectedApplicants, awardShare, rounds, preAwardYears, followUpYears, and each outcome's sd and yearToYearCorrelation).`;
  const plan = analysis.plan;
  const header =
    `Minimum detectable effect (${Math.round(analysis.power * 100)} % power, ${Math.round((1 - analysis.confidenceLevel) * 100)} % two-sided) of the spec's staggered DiD ` +
    `(Callaway & Sant'Anna, overall ATT) for the planned call: ${plan.expectedApplicants.toLocaleString('en-US')} applicants, ${Math.round(plan.awardShare * 100)} % awarded ` +
    `over ${plan.rounds} rounds, ${plan.preAwardYears} years before the first award and ${plan.followUpYears} after the last; ` +
    `by simulation, ${analysis.replications} replications (seed ${analysis.seed})`;
  const table = formatTable(
    ['outcome', 'MDE', 'SE', 'unit', 'spread and correlation from'],
    analysis.outcomes.map((o) => [o.outcome, formatNumber(o.minimumDetectableEffect, 2), formatNumber(o.medianStdError, 2), o.unit, o.varianceSource]),
  );
  const targets = targetsAgainstPower(p, analysis).map((t) => {
    const asked = `${t.nameEn} (target: ${TARGET_SCALE_WORDS[t.scale].en}): the target asks for a change of ${formatNumber(t.hopedForChange, 1)} ${t.unit}; ${t.comparedOn}`;
    if (t.detectable === null || t.hopedForChangePerUnit === null) return asked;
    const perUnit = `${formatNumber(t.hopedForChangePerUnit, 2)} ${t.unit} per unit`;
    const mde = `the MDE of ${formatNumber(t.minimumDetectableEffect, 2)} per unit for ${t.outcome}`;
    return t.detectable ? `${asked}: ${perUnit}, above ${mde}` : `WARNING: ${asked}: ${perUnit}, below ${mde}: the design is unlikely to detect it`;
  });
  const others = analysis.notSimulated.map((o) => `${o.outcome}: not computed (its spec names ${o.design}; the simulation covers staggered DiD only)`);
  return [header, table, ...others, ...targets].join('\n');
}

/** What `programmes show` knows of the registration log: each version's recorded registration, or why it could not read it. */
type RecordedRegistrations = { readonly byHash: ReadonlyMap<string, SpecRegistration> } | { readonly unreadable: string };

function showText(power: PowerModules, p: Programme, analysis: PowerAnalysis | null, recorded: RecordedRegistrations): string {
  const f = p.file;
  const recordedOf = (hash: string) =>
    'unreadable' in recorded ? 'unknown' : (recorded.byHash.get(hash)?.recordedAt.toISOString() ?? 'not yet (run `ebpm programmes register`)');
  const latestRecorded = 'byHash' in recorded ? recorded.byHash.get(p.specHash) : undefined;
  const registrationNote =
    'unreadable' in recorded
      ? `\nThe registration log could not be read (${recorded.unreadable}): "registered after the call opened" is judged on the recorded date, which is unknown here.`
      : latestRecorded
        ? registeredAfterCallOpened(f, latestRecorded.recordedAt)
          ? `\nWARNING: the latest version was recorded ${latestRecorded.recordedAt.toISOString()}, after the first call opened (${f.callRounds.map((r) => r.opens).sort()[0]}); its results are flagged (claimed: ${p.studySpec.registeredAt}).`
          : `\nThe latest version was recorded ${latestRecorded.recordedAt.toISOString()}, before the first call opened.`
        : '\nThe latest version is not in the registration log yet: its first run (or `ebpm programmes register`) records it, and it is judged on that date.';
  const lines = [
    `${p.nameJa}\n${p.nameEn} · ${p.ministry}\n${f.kindOfSupport}; unit of analysis: ${f.unitOfAnalysis}${f.synthetic ? '\n(figures marked "synthetic" are placeholders: the sources give none)' : ''}`,
    'Budget\n' + formatTable(['line', '億円', 'source'], f.budgetLines.map((b) => [b.label, b.amountHundredMillionYen === null ? '—' : String(b.amountHundredMillionYen), b.provenance])),
    'Call rounds (cohorts)\n' + formatTable(['round', 'opens', 'closes', 'award FY', 'source'], f.callRounds.map((r) => [String(r.round), r.opens, r.closes, `FY${r.awardFiscalYear}`, r.provenance])),
    'Logic model\n' +
      formatTable(
        ['stage', 'indicator', 'unit', 'direction', 'class', 'baseline', 'target', 'computed'],
        LOGIC_MODEL_STAGE_KEYS.flatMap((stage) =>
          f.logicModel[stage].map((i) => [
            STAGE_LABELS[stage],
            `${i.nameJa} / ${i.nameEn}`,
            i.unit,
            i.direction === 'higher_is_better' ? '↑' : '↓',
            i.indicatorClass,
            i.baseline ? `${i.baseline.value} (FY${i.baseline.fiscalYear})` : '—',
            `${i.target.value} (FY${i.target.fiscalYear})`,
            i.computation ? (i.computation.source === 'statistics' ? `statistics: ${i.computation.publisher}` : `from ${i.computation.source}`) : `no: ${i.notComputed?.reason ?? i.dataSource}`,
          ]),
        ),
      ),
    'Study spec versions\n' +
      formatTable(
        ['version', 'registered (claimed)', 'recorded', 'hash', 'outcomes', 'comparison', 'estimator'],
        f.studySpecs.map((s) => [
          String(s.version),
          s.registeredAt,
          recordedOf(s.frozenHash),
          s.frozenHash,
          s.outcomes.join(', '),
          s.comparisonGroup,
          `CS ${s.estimation.method}, base ${s.estimation.basePeriod}, bootstrap ${s.estimation.bootstrap.draws}`,
        ]),
      ) +
      registrationNote,
    powerText(power, p, analysis),
  ];
  return lines.join('\n\n');
}

function requirementsMarkdown(p: Programme): string {
  const f = p.file;
  const table = (file: 'applicants' | 'outcomes') =>
    ['| field | 列名 | description | format | unit | range | required | personal data |', '| --- | --- | --- | --- | --- | --- | --- | --- |']
      .concat(
        f.dataRequirements.fields
          .filter((field) => field.file === file)
          .map(
            (field) =>
              `| \`${field.name}\` | ${field.nameJa} | ${field.description} | ${field.format} | ${field.measure?.unit ?? ''} | ${rangeOf(field)} | ${field.required ? 'yes' : 'no'} | ${field.personal ? 'yes' : 'no'} |`,
          ),
      )
      .join('\n');
  const statistics = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => f.logicModel[stage]).flatMap((indicator) =>
    indicator.computation?.source === 'statistics' ? [`| \`${indicator.id}\` | ${indicator.nameJa} / ${indicator.nameEn} | ${indicator.unit} | ${indicator.computation.publisher} |`] : [],
  );
  return [
    `# 効果検証に必要なデータ / Data required for effect verification — ${p.nameJa}`,
    `Study spec v${p.studySpec.version} (SHA-256 ${p.specHash}), registered ${p.studySpec.registeredAt}.`,
    '## 申請時に提出するデータ / Application data',
    table('applicants'),
    '## 事業実施後に毎年報告するデータ / Yearly follow-up data',
    table('outcomes'),
    ...(statistics.length
      ? [
          '## 公的統計から取り込む指標 / Indicators read from official statistics (`--kind statistics`: indicator, fiscal_year, value, source, provenance)',
          ['| indicator | name | unit | statistic |', '| --- | --- | --- | --- |', ...statistics].join('\n'),
        ]
      : []),
    '## データ利用への同意 / Consent to data use',
    f.dataRequirements.consentWordingJa,
    '',
    f.dataRequirements.consentWordingEn,
  ].join('\n\n');
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function rangeOf(field: DataField): string {
  if (!field.measure) return '';
  const { min, max, type } = field.measure;
  return `${type}${min !== undefined ? ` ≥ ${min}` : ''}${max !== undefined ? ` ≤ ${max}` : ''}`;
}

function requirementsCsv(p: Programme): string {
  const rows = [
    ['file', 'field', 'name_ja', 'description', 'format', 'type', 'unit', 'min', 'max', 'required', 'personal'],
    ...p.file.dataRequirements.fields.map((f) => [
      f.file,
      f.name,
      f.nameJa,
      f.description,
      f.format,
      f.measure?.type ?? '',
      f.measure?.unit ?? '',
      f.measure?.min === undefined ? '' : String(f.measure.min),
      f.measure?.max === undefined ? '' : String(f.measure.max),
      String(f.required),
      String(f.personal),
    ]),
  ];
  return `${rows.map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

/** `--loaded`: the spread and correlation the latest run measured before the first award, from DATABASE_URL. */
async function loadedBaselines(programmeId: string): Promise<Record<string, ObservedBaseline>> {
  // Loaded only here: the database client and the report's readers would slow every other programmes command.
  const [{ openDatabase, redactPassword }, { readObservedBaselines }] = await Promise.all([import('../../runtime/database.js'), import('../../report/report-data.js')]);
  const url = readEnvironment().databaseUrl;
  const db = openDatabase(url, 1);
  try {
    return await readObservedBaselines(db, programmeId);
  } catch (error) {
    throw new UsageError(`--loaded reads bi.baseline_moments in ${redactPassword(url)}, which failed (${(error as Error).message}); run an evaluation of ${programmeId} first (npm run demo) or set DATABASE_URL`);
  } finally {
    await db.destroy();
  }
}

/** Runs `work` on DATABASE_URL, loading the database modules only now: `programmes list` and the others stay fast. */
async function withDatabase<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const { openDatabase } = await import('../../runtime/database.js');
  const db = openDatabase(readEnvironment().databaseUrl, 1);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/**
 * `draft-from-review-sheet PROJECT_ID`: a catalogue draft from the project's loaded review sheet (DATABASE_URL),
 * written to --out or printed; placeholders mark what the sheet cannot give.
 */
async function draftFromReviewSheet(projectText: string | undefined, yearText: string | undefined, out: string | undefined): Promise<void> {
  // Loaded only here, as for --loaded: the database client would slow every other programmes command.
  const [{ projectIdArgument, requestedProjectSheet, reviewYearOption }, { catalogueDraft }, { draftPlaceholders }, { openDatabaseReady }, { writeFileSync }] = await Promise.all([
    import('./review-sheets-options.js'),
    import('../../review-sheets/catalogue-draft.js'),
    import('../../programmes/draft-placeholders.js'),
    import('../services.js'),
    import('node:fs'),
  ]);
  const projectId = projectIdArgument(projectText, 'programmes draft-from-review-sheet');
  const year = reviewYearOption(yearText);
  const db = await openDatabaseReady(readEnvironment(), (line) => console.error(line));
  try {
    const sheet = await requestedProjectSheet(db, projectId, year);
    const draft = catalogueDraft(sheet);
    const text = `${JSON.stringify(draft, null, 2)}\n`;
    const left = draftPlaceholders(draft).length;
    const note = `draft ${draft.id} from 予算事業ID ${projectId}, review year ${sheet.reviewYear}: to be completed with data requirements and a study spec; ${left} fields marked "TO COMPLETE: …" (\`ebpm programmes validate DIR\` lists them; rename the id and the file together)`;
    if (out) {
      writeFileSync(resolve(out), text);
      console.error(`${resolve(out)}: ${note}`);
    } else {
      process.stdout.write(text);
      console.error(note);
    }
  } finally {
    await db.destroy();
  }
}

/** The registration log's rows for `show`, or why they could not be read (show works without a database). */
async function recordedRegistrations(programme: Programme): Promise<RecordedRegistrations> {
  try {
    const { readRegistrations } = await import('../../governance/spec-registrations.js');
    const read = withDatabase((db) => readRegistrations(db, programme.id));
    // A database that does not answer must not hold up a command that mostly reads the catalogue.
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5000).unref());
    const rows = await Promise.race([read, timeout]);
    return { byHash: new Map(rows.map((row) => [row.specHash, row])) };
  } catch (error) {
    const { redactPassword } = await import('../../runtime/database.js');
    return { unreadable: `${redactPassword(readEnvironment().databaseUrl)}: ${(error as Error).message}` };
  }
}

function registrationsText(rows: readonly SpecRegistration[]): string {
  if (!rows.length) return 'The registration log is empty: `ebpm programmes register [ID]` or a run records each spec version.';
  return formatTable(
    ['#', 'programme', 'version', 'spec hash', 'claimed (catalogue)', 'recorded (database)', 'role', 'by', 'code', 'via', 'row hash'],
    rows.map((r) => [String(r.sequence), r.programmeId, `v${r.specVersion}`, `${r.specHash.slice(0, 12)}…`, r.claimedRegisteredAt, r.recordedAt.toISOString(), r.databaseRole, r.registeredBy, r.codeVersion, r.via, `${r.rowHash.slice(0, 12)}…`]),
  );
}

/** `registrations --verify`: the first broken link and the runs whose registration is gone, or that the chain holds. */
function verdictText(verdict: LogVerdict): { text: string; intact: boolean } {
  const lines: string[] = [];
  if (verdict.broken) {
    const b = verdict.broken;
    lines.push(`BROKEN: row #${b.sequence} (${b.programmeId} v${b.specVersion}): ${b.problem}. Rows before it check out; it and every row after it cannot be trusted.`);
  } else {
    lines.push(`The chain holds: ${verdict.rows} row${verdict.rows === 1 ? '' : 's'}, each hash recomputed from its content and the row before; head ${verdict.headHash}.`);
  }
  for (const run of verdict.orphanedRuns) lines.push(`MISSING: run ${run.runKey.slice(0, 16)}… (${run.programmeId} v${run.specVersion}) names registration ${run.registrationHash.slice(0, 12)}…, which the log no longer holds: rows were removed.`);
  return { text: lines.join('\n'), intact: !verdict.broken && !verdict.orphanedRuns.length };
}

export async function programmesCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: PROGRAMMES_OPTIONS,
  });
  // --catalogue BASE[:ADDED…] reads those folders instead (the first holds the indicator classes); by default the
  // built-in catalogue plus the folders of EBPM_CATALOGUE_DIR.
  const folders = values.catalogue ? splitFolderList(values.catalogue) : catalogueFolders();
  const catalogued = (): Catalogue => (values.catalogue ? loadCatalogue(folders) : catalogue());
  const programmeOf = (id: string | undefined) => {
    if (!id) throw new UsageError(`ebpm programmes ${action} needs a programme id (see \`ebpm programmes list\`)`);
    return getProgramme(id, catalogued());
  };
  switch (action) {
    case 'list':
      return programmesListCommand(rest);
    case 'show': {
      const programme = programmeOf(positionals[0]);
      const power = await powerModules();
      const analysis = values.json ? null : powerAnalysis(power, programme, power.DEFAULT_POWER_SETTINGS.replications, power.DEFAULT_POWER_SETTINGS.seed);
      const recorded = await recordedRegistrations(programme);
      if (values.json) {
        const latest = 'byHash' in recorded ? recorded.byHash.get(programme.specHash) : undefined;
        const registrations = 'byHash' in recorded ? programme.file.studySpecs.map((s) => ({ version: s.version, claimedRegisteredAt: s.registeredAt, recordedAt: recorded.byHash.get(s.frozenHash)?.recordedAt.toISOString() ?? null })) : null;
        console.log(
          JSON.stringify(
            {
              ...programme.file,
              specHash: programme.specHash,
              specClaimedAfterCallOpened: programme.specRegisteredAfterCallOpened,
              specRecordedAt: latest?.recordedAt.toISOString() ?? null,
              specRegisteredAfterCallOpened: latest ? registeredAfterCallOpened(programme.file, latest.recordedAt) : null,
              registrations,
              ...('unreadable' in recorded ? { registrationLogUnreadable: recorded.unreadable } : {}),
            },
            null,
            2,
          ),
        );
      } else console.log(showText(power, programme, analysis, recorded));
      return;
    }
    case 'register': {
      // Every frozen version of one programme (or of every programme that validates) not yet in the log, in order.
      const of = catalogued();
      const programmes = positionals[0] ? [programmeOf(positionals[0])] : of.programmes;
      const [{ registerProgrammeSpecs, registeringUser }, { codeVersion }] = await Promise.all([import('../../governance/spec-registrations.js'), import('../../runtime/code-version.js')]);
      const source = { registeredBy: registeringUser(), codeVersion: codeVersion(), via: 'ebpm programmes register' };
      const outcomes = await withDatabase(async (db) => {
        const all = [];
        for (const programme of programmes) all.push(...(await registerProgrammeSpecs(db, programme, source)).map((outcome) => ({ programme, ...outcome })));
        return all;
      });
      if (values.json) {
        console.log(JSON.stringify(outcomes.map(({ programme, registration: r, newlyRecorded }) => ({ programmeId: programme.id, specVersion: r.specVersion, specHash: r.specHash, sequence: r.sequence, claimedRegisteredAt: r.claimedRegisteredAt, recordedAt: r.recordedAt.toISOString(), newlyRecorded, registeredAfterCallOpened: registeredAfterCallOpened(programme.file, r.recordedAt) })), null, 2));
      } else {
        for (const { programme, registration: r, newlyRecorded } of outcomes) {
          const after = registeredAfterCallOpened(programme.file, r.recordedAt) ? ', after the first call opened' : ', before the first call opened';
          console.log(`${programme.id} v${r.specVersion} ${r.specHash.slice(0, 12)}…: ${newlyRecorded ? 'recorded' : 'already recorded'} ${r.recordedAt.toISOString()} (#${r.sequence}${after}; claimed ${r.claimedRegisteredAt})`);
        }
      }
      if (!positionals[0] && of.problems.length) console.error(brokenText(of));
      return;
    }
    case 'registrations': {
      const { readRegistrations, verifyRegistrationLog } = await import('../../governance/spec-registrations.js');
      const { rows, verdict } = await withDatabase(async (db) => ({ rows: await readRegistrations(db, positionals[0]), verdict: values.verify ? await verifyRegistrationLog(db) : null }));
      const checked = verdict ? verdictText(verdict) : null;
      if (values.json) {
        console.log(JSON.stringify({ registrations: rows.map((r) => ({ ...r, recordedAt: r.recordedAt.toISOString(), spec: undefined })), ...(verdict ? { verification: verdict } : {}) }, null, 2));
      } else {
        console.log(registrationsText(rows));
        if (checked) console.log(checked.text);
      }
      if (checked && !checked.intact) throw new CommandFailure(`the registration log does not verify${values.json ? `: ${checked.text}` : ''}`, 1);
      return;
    }
    case 'power': {
      const programme = programmeOf(positionals[0]);
      const power = await powerModules();
      const { DEFAULT_POWER_SETTINGS } = power;
      const count = (text: string | undefined, flag: string, fallback: number) => {
        if (text === undefined) return fallback;
        if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number`);
        return Number(text);
      };
      const replications = count(values.replications, '--replications', DEFAULT_POWER_SETTINGS.replications);
      if (replications < 50) throw new UsageError('--replications needs at least 50 (the MDE is a quantile of the replications)');
      const observed = values.loaded ? await loadedBaselines(programme.id) : {};
      const analysis = powerAnalysis(power, programme, replications, count(values.seed, '--seed', DEFAULT_POWER_SETTINGS.seed), observed);
      if (!analysis) throw new UsageError(powerText(power, programme, null));
      console.log(values.json ? JSON.stringify({ ...analysis, targets: power.targetsAgainstPower(programme, analysis) }, null, 2) : powerText(power, programme, analysis));
      return;
    }
    case 'validate': {
      // A folder named here is read as a complete catalogue (it holds indicator-classes.json), or else as one
      // added to the built-in catalogue, as EBPM_CATALOGUE_DIR adds it.
      const target = positionals[0] ? resolve(positionals[0]) : undefined;
      const targetFolders = target ? (existsSync(join(target, CLASS_LIST_FILE)) ? [target] : [defaultCatalogueDirectory(), target]) : folders;
      try {
        const result = loadCatalogue(targetFolders);
        // The catalogue's problems, not the command's use: said without the usage text after them, exit 2 all the same.
        if (result.problems.length) {
          throw new CommandFailure(
            `${targetFolders.join(':')}: ${result.broken.length} programme file(s) do not validate and are skipped (${result.programmes.length} programmes work):\n${brokenText(result)}`,
            2,
          );
        }
        const sources = [...new Set(result.programmes.map((p) => p.source))];
        console.log(
          `${targetFolders.join(':')}: ${result.programmes.length} programmes (${sources.includes(BUILT_IN_SOURCE) ? 'built-in' : ''}${sources.filter((s) => s !== BUILT_IN_SOURCE).length ? ` + ${sources.filter((s) => s !== BUILT_IN_SOURCE).length} added` : ''}), ${result.classes.classes.length} indicator classes, every study spec matches its frozen hash and every KPI expression names known columns.`,
        );
      } catch (error) {
        if (error instanceof CatalogueValidationError) throw new CommandFailure(error.message, 2);
        throw error;
      }
      return;
    }
    case 'requirements': {
      const programme = programmeOf(positionals[0]);
      const format = values.format ?? 'markdown';
      if (format !== 'markdown' && format !== 'csv') throw new UsageError('--format must be markdown or csv');
      process.stdout.write(format === 'csv' ? requirementsCsv(programme) : `${requirementsMarkdown(programme)}\n`);
      return;
    }
    case 'freeze': {
      const id = positionals[0];
      if (!id) throw new UsageError('ebpm programmes freeze needs a programme id');
      // The programme's own file, in whichever catalogue folder holds it (the built-in one, EBPM_CATALOGUE_DIR's or
      // --catalogue's): a draft completed in a folder of its own is frozen there.
      const directory = folders.find((folder) => existsSync(join(folder, `${id}.json`)));
      if (!directory) {
        throw new CommandFailure(
          `no catalogue file ${id}.json in ${folders.join(', ')}; name the folder that holds it with --catalogue BASE:FOLDER or EBPM_CATALOGUE_DIR=FOLDER (see \`ebpm programmes list\`)`,
          2,
        );
      }
      const frozen = freezeStudySpecs(directory, id);
      console.log(frozen.length ? frozen.map((f) => `${id}: study spec v${f.version} frozen, SHA-256 ${f.hash}`).join('\n') : `${id}: every study spec version is already frozen`);
      return;
    }
    case 'draft-from-review-sheet': {
      await draftFromReviewSheet(positionals[0], values.year, values.out);
      return;
    }
    default:
      throw new UsageError(`unknown action "${action ?? ''}" for ebpm programmes`);
  }
}
