/** Reads the consenting applications of one programme and their units' outcomes, as the analysis modules want them. */
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { subgroupValue } from '../analysis/adhoc-study.js';
import type { SubgroupField } from '../schemas/catalogue.js';
import type { Programme } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
import { CopyLineFields, copyTextValue, forEachCopyLine } from '../runtime/copy-text-reader.js';
import { inSharedSnapshot } from '../runtime/database.js';
import { InternedIds } from '../runtime/interned-ids.js';
import { OutcomeRowChunks } from '../runtime/outcome-row-chunks.js';
import { codeRunFirms, type RunFirmCodes } from '../analysis/run-firm-codes.js';
import { inUnitOrder, type StoredOutcomeRows, type UnitOutcomeColumns } from '../analysis/unit-ordered-outcomes.js';
import type { Database } from '../sql/database.js';

export interface ApplicationRecord {
  /** The unit of analysis: the firm's 法人番号, or the project or site id. */
  readonly unitId: string;
  /** The applicant firm: the firm itself, a project's lead applicant or a site's operator. */
  readonly corporateNumber: string;
  readonly awarded: boolean;
  readonly awardFiscalYear: number | null;
  readonly callRound: number;
  /** Null when the programme does not score applications. */
  readonly reviewScore: number | null;
  readonly applicationDate: string;
  readonly subsidyAmountYen: number | null;
  readonly requestedAmountYen: number;
  readonly employees: number;
}

/** A programme's consenting applications and their units' outcomes, the rows pointing at the units by index. */
export interface ConsentingPanel {
  /** In the database's order of unit ids, then of call rounds. */
  readonly applications: readonly ApplicationRecord[];
  /** Each consenting unit once, in the database's order of unit ids (the order the applications come in). */
  readonly units: readonly string[];
  /** Each application's unit, as its index in `units`. */
  readonly applicationUnits: Int32Array;
  /** Each application's firm as an index of its own: the same index for the same 法人番号 (for codeRunFirms). */
  readonly applicationFirmIds?: Int32Array;
  readonly outcomes: UnitOutcomeColumns;
}

/** The applicant characteristics a study spec may condition on: each applicant-file field name with its value in an application. */
export const APPLICANT_CHARACTERISTICS: Readonly<Record<string, (application: ApplicationRecord) => number>> = {
  employees: (application) => application.employees,
  requested_amount_yen: (application) => application.requestedAmountYen,
};

/** An application with the applicant characteristics a study spec may condition on, by applicant-file field name. */
export function withCharacteristics(application: ApplicationRecord) {
  return {
    ...application,
    characteristics: Object.fromEntries(Object.entries(APPLICANT_CHARACTERISTICS).map(([name, valueOf]) => [name, valueOf(application)])),
  };
}

/**
 * Applications whose applicant consented to analysis; rows without consent never reach an estimate. Read with
 * COPY like the outcomes: as Kysely row objects the 100,000 applications of a national call took 0.2 s.
 *
 * The rows are sorted by the server after a scan of the partition, not read through the key's index: a programme's
 * rows lie in the order its files gave them, and at 1,000,000 applications the index scan that PostgreSQL chose took
 * 4.6–5.4 s against 2.3 s (psql, COPY to /dev/null; bench/README.md, the section of 2026-12-07 from 19:37 UTC). Run in
 * a transaction, whose end resets the settings made here.
 */
async function readConsentingApplications(
  client: pg.ClientBase,
  programmeId: string,
  ids: InternedIds,
): Promise<{ applications: ApplicationRecord[]; unitIdIndices: Int32Array; firmIdIndices: Int32Array }> {
  await client.query('SET LOCAL enable_indexscan = off');
  await client.query('SET LOCAL enable_bitmapscan = off');
  const query = `COPY (
    SELECT unit_id, corporate_number, decision, award_fiscal_year, call_round, review_score, subsidy_amount_yen,
           requested_amount_yen, employees_at_application, to_char(application_date, 'YYYY-MM-DD')
      FROM core.applications
     WHERE programme_id = ${client.escapeLiteral(programmeId)} AND consent
     ORDER BY unit_id, call_round) TO STDOUT`;
  const applications: ApplicationRecord[] = [];
  const unitIndices: number[] = [];
  const firmIndices: number[] = [];
  const fields = new CopyLineFields();
  await forEachCopyLine(client, query, (bytes, start, end) => {
    fields.line(bytes, start, end);
    const unitIdIndex = fields.internedIndex(ids);
    unitIndices.push(unitIdIndex);
    // Through the same table of ids: a firm that is its own unit is the id just met, and its string is that one.
    const firmIdIndex = fields.internedIndex(ids);
    firmIndices.push(firmIdIndex);
    applications.push({
      unitId: ids.ids[unitIdIndex],
      corporateNumber: ids.ids[firmIdIndex],
      awarded: fields.text() === 'awarded',
      awardFiscalYear: fields.numberOrNull(),
      callRound: fields.number(),
      reviewScore: fields.numberOrNull(),
      subsidyAmountYen: fields.numberOrNull(),
      requestedAmountYen: fields.number(),
      employees: fields.number(),
      applicationDate: fields.text(),
    });
  });
  return { applications, unitIdIndices: Int32Array.from(unitIndices), firmIdIndices: Int32Array.from(firmIndices) };
}

/**
 * The programme's consenting applications and their units' outcomes, read at once on connections of their own.
 *
 * The outcome rows are read as the table holds them, and this process keeps the consenting units' rows and puts them
 * in the applications' order of units, then of years (analysis/unit-ordered-outcomes.ts): a count and a scatter over
 * typed arrays. Joined with the consenting applications and sorted by the server, the 787,925 rows of a national
 * programme took it 1.75 s to produce (psql, COPY to /dev/null); as stored, 0.96 s. Both reads take their unit ids
 * through one table of ids keyed by their bytes (runtime/interned-ids.ts), so each id is made a string once and
 * matched by its index, however the rows lie: a programme loaded a year at a time holds its rows year by year.
 */
export async function readConsentingPanel(db: Kysely<Database>, programmeId: string, measureNames: readonly string[]): Promise<ConsentingPanel> {
  // The unit ids of both reads and the applications' firms, each id made a string once.
  const ids = new InternedIds((bytes, start, end) => copyTextValue(bytes.toString('utf8', start, end)));
  const outcomeRanges = halvesOfPages(await outcomePartitionPages(db, programmeId));
  // The applications and each part of the outcomes on a connection of its own, all in one snapshot: rows written while
  // they are read (a consent withdrawn, a file's rows merged or retired) are in all of them or in none. (Attaching a
  // partition is not a change a snapshot sees: the rows of a programme's first file, built beside and attached, are in
  // any read that starts after the attach.)
  const [{ applications, unitIdIndices, firmIdIndices }, ...outcomeParts] = await inSharedSnapshot(db, [
    (client) => readConsentingApplications(client, programmeId, ids),
    ...outcomeRanges.map((range) => (client: pg.ClientBase) => readStoredOutcomeRange(client, programmeId, measureNames, ids, range)),
  ]);
  const parts = outcomeParts.flat();
  // The applications come in order of unit ids, so a unit's applications are together: each new id is the next unit.
  const units: string[] = [];
  const applicationUnits = new Int32Array(applications.length);
  const unitOfId = new Int32Array(ids.ids.length).fill(-1);
  for (let row = 0; row < applications.length; row++) {
    const id = unitIdIndices[row];
    if (unitOfId[id] < 0) {
      unitOfId[id] = units.length;
      units.push(ids.ids[id]);
    }
    applicationUnits[row] = unitOfId[id];
  }
  return { applications, units, applicationUnits, applicationFirmIds: firmIdIndices, outcomes: inUnitOrder(parts, unitOfId, units.length, measureNames) };
}

/** Each row's unit id: the panel's outcomes in the shape the estimators that take ids per row want. */
export function unitIdOfRows(panel: Pick<ConsentingPanel, 'units' | 'outcomes'>): string[] {
  const { unit } = panel.outcomes;
  const unitId: string[] = new Array(unit.length);
  for (let row = 0; row < unit.length; row++) unitId[row] = panel.units[unit[row]];
  return unitId;
}

/**
 * The outcome rows are read in two halves of their partition's pages at once, on two connections (a TID range scan
 * each, PostgreSQL 14 on; before 14 each half reads the whole partition, as it did when the halves were two ranges of
 * unit ids). Two ranges of unit ids made each server process read the whole partition and drop the other half's rows:
 * at 1,000,000 applicants (7.9 million rows, 1.4 GB) the read's server processes used 13.5 s of CPU, and psql took
 * 4.9–5.3 s for the two halves at once against 4.6 s by page (bench/README.md, the section of 2026-12-07 from 19:37
 * UTC). Which rows fall in which half does not matter, since the rows are read as the table holds them and put in unit
 * order here; but an update moves a row to another page, so both halves read one snapshot (inSharedSnapshot), where a
 * row's old and new versions are never both.
 */
async function outcomePartitionPages(db: Kysely<Database>, programmeId: string): Promise<number> {
  // The partition that holds the programme's rows: its own (migration 0037) or, for a programme without one, the default.
  const { rows } = await sql<{ pages: string }>`
    SELECT pg_relation_size(coalesce(to_regclass(format('core.%I', core.outcome_partition_name(${programmeId}))), 'core.outcomes_default'::regclass))
           / current_setting('block_size')::bigint AS pages`.execute(db);
  return Number(rows[0]?.pages ?? 0);
}

/** Two halves of a table's pages, the second open-ended (for rows written after its size was taken); a table of one page in one part. */
function halvesOfPages(pages: number): PageRange[] {
  const middle = Math.floor(pages / 2);
  return middle === 0 ? [{}] : [{ beforePage: middle }, { fromPage: middle }];
}

/** Pages of the partition, [fromPage, beforePage); either bound may be open. */
interface PageRange {
  readonly fromPage?: number;
  readonly beforePage?: number;
}

/** The outcome rows on the partition's pages in `range`, as the table holds them; in a transaction, whose end resets the setting made here. */
async function readStoredOutcomeRange(client: pg.ClientBase, programmeId: string, measureNames: readonly string[], unitIds: InternedIds, range: PageRange): Promise<StoredOutcomeRows[]> {
  // COPY takes no bind parameters: the programme id and the measure names (both from the catalogue) are quoted as
  // literals, and the page bounds are whole numbers. Each measure from its place (migration 0053), looked up once for
  // the statement; null where no load has met the name.
  const measureColumns = measureNames.map(
    (name) => `, measure_values[(SELECT slot FROM core.outcome_measures WHERE programme_id = ${client.escapeLiteral(programmeId)} AND measure_name = ${client.escapeLiteral(name)})]`,
  );
  const bounds = [
    ...(range.fromPage === undefined ? [] : [`AND ctid >= '(${pageNumber(range.fromPage)},0)'::tid`]),
    ...(range.beforePage === undefined ? [] : [`AND ctid < '(${pageNumber(range.beforePage)},0)'::tid`]),
  ];
  // float8's text is its shortest exact form whenever extra_float_digits is above 0 (PostgreSQL 12 on), the default:
  // set for the transaction in case a server's configuration lowered it, which would round the values to 15 digits.
  await client.query('SET LOCAL extra_float_digits = 1');
  const query = `COPY (
    SELECT unit_id, fiscal_year${measureColumns.join('')}
      FROM core.outcomes
     WHERE programme_id = ${client.escapeLiteral(programmeId)} ${bounds.join(' ')}) TO STDOUT`;
  const chunks = new OutcomeRowChunks(measureNames.length, unitIds);
  await forEachCopyLine(client, query, (bytes, start, end) => chunks.addLine(bytes, start, end));
  return chunks.finish();
}

/** A page number for a TID literal: a whole number, never text from outside. */
function pageNumber(page: number): number {
  if (!Number.isSafeInteger(page) || page < 0) throw new RangeError(`a page number is a whole number of at least 0, not ${page}`);
  return page;
}

/** The programme's loaded official statistics. */
export async function readOfficialStatistics(db: Kysely<Database>, programmeId: string) {
  const rows = await db.selectFrom('core.official_statistics').select(['indicator_id', 'fiscal_year', 'value']).where('programme_id', '=', programmeId).execute();
  return rows.map((row) => ({ indicatorId: row.indicator_id, fiscalYear: row.fiscal_year, value: row.value }));
}

/** Consortium members of the programme's projects besides their lead applicants, by unit. */
export async function readUnitMembers(db: Kysely<Database>, programmeId: string): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('core.unit_members').select(['unit_id', 'corporate_number']).where('programme_id', '=', programmeId).execute();
  const members = new Map<string, string[]>();
  for (const row of rows) members.set(row.unit_id, [...(members.get(row.unit_id) ?? []), row.corporate_number]);
  return members;
}

/** The outcomes hold every measure the programme declares, so the KPIs and each outcome of the study read from the same columns. */
export interface RunAnalysisData extends ConsentingPanel {
  /** The firms behind the units (applicants and consortium members): those the disclosure rule counts. */
  readonly firms: RunFirmCodes;
}

/**
 * One run's analysis data, read once per worker: the KPI step and the effect step of a run share one read
 * rather than each reading the 787,925 outcome rows of a national programme (1.5 s). It holds a single
 * run and is released when the effect step ends; an effect step on another worker, or a retry after that
 * worker died, reads the database itself.
 */
export class RunDataCache {
  private entry: { readonly runKey: string; readonly data: Promise<RunAnalysisData> } | null = null;

  constructor(private readonly db: Kysely<Database>) {}

  read(runKey: string, programme: Programme): Promise<RunAnalysisData> {
    if (this.entry?.runKey !== runKey) {
      const measureNames = fileDeclaration(programme.file, 'outcomes').measures.map((measure) => measure.name);
      // At once, on connections of their own: the server produces the applications (and both halves of the outcomes)
      // while this process parses what has come.
      const data = Promise.all([readConsentingPanel(this.db, programme.id, measureNames), readUnitMembers(this.db, programme.id)]).then(([panel, unitMembers]) => ({
        ...panel,
        firms: codeRunFirms(panel, unitMembers),
      }));
      this.entry = { runKey, data };
      // A failed read is not kept: the retry reads again.
      data.catch(() => this.release(runKey));
    }
    return this.entry.data;
  }

  release(runKey: string): void {
    if (this.entry?.runKey === runKey) this.entry = null;
  }
}

/** Where each subgroup source is stored: a unit's first application, its applicant firm, and (for sites) the site. */
const SUBGROUP_SOURCE_SQL: Readonly<Record<SubgroupField['from'], string>> = {
  industry_code: 'f.industry_code',
  prefecture_code: 'coalesce(u.prefecture_code, f.prefecture_code)',
  call_round: 'a.call_round::text',
  employees: 'a.employees_at_application::text',
  site_kind: 'u.site_kind',
};

/**
 * Each consenting unit's value of each declared subgroup field (banded where the catalogue says so), from its
 * first application. The field expressions come from the fixed table above, never from user input; the
 * programme id is a bound parameter.
 */
export async function readUnitAttributes(
  db: Kysely<Database>,
  programmeId: string,
  fields: readonly SubgroupField[],
): Promise<Map<string, Record<string, string | null>>> {
  const result = new Map<string, Record<string, string | null>>();
  if (fields.length === 0) return result;
  const selections = fields.map((field, i) => sql.raw(`${SUBGROUP_SOURCE_SQL[field.from]} AS v${i}`));
  const { rows } = await sql<Record<string, string | null>>`
    SELECT DISTINCT ON (a.unit_id) a.unit_id, ${sql.join(selections)}
      FROM core.applications a
      JOIN core.firms f ON f.corporate_number = a.corporate_number
      LEFT JOIN core.units u ON u.programme_id = a.programme_id AND u.unit_id = a.unit_id
     WHERE a.programme_id = ${programmeId} AND a.consent
     ORDER BY a.unit_id, a.call_round`.execute(db);
  for (const row of rows) {
    const values: Record<string, string | null> = {};
    fields.forEach((field, i) => {
      values[field.name] = subgroupValue(field, row[`v${i}`] ?? null);
    });
    result.set(row.unit_id as string, values);
  }
  return result;
}
