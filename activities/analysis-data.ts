/** Reads the consenting applications of one programme and their units' outcomes, as the analysis modules want them. */
import { sql, type Kysely } from 'kysely';
import { subgroupValue } from '../analysis/adhoc-study.js';
import type { SubgroupField } from '../schemas/catalogue.js';
import type { Programme } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
import { copyTextValue, fieldEnd, forEachCopyLine, isNullField, parseDecimal, sameBytes } from '../runtime/copy-text-reader.js';
import { withRawClient } from '../runtime/database.js';
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

/** One row per unit and fiscal year; each declared measure as a column (NaN where it was not reported). */
export interface UnitOutcomeColumns {
  readonly unitId: string[];
  readonly fiscalYear: Int32Array;
  readonly measures: Readonly<Record<string, Float64Array>>;
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
 */
export async function readConsentingApplications(db: Kysely<Database>, programmeId: string): Promise<ApplicationRecord[]> {
  return withRawClient(db, async (client) => {
    const query = `COPY (
      SELECT unit_id, corporate_number, decision, award_fiscal_year, call_round, review_score, subsidy_amount_yen,
             requested_amount_yen, employees_at_application, to_char(application_date, 'YYYY-MM-DD')
        FROM core.applications
       WHERE programme_id = ${client.escapeLiteral(programmeId)} AND consent
       ORDER BY unit_id, call_round) TO STDOUT`;
    const applications: ApplicationRecord[] = [];
    const number = (field: string) => (field === NULL_FIELD ? null : Number(field));
    await forEachCopyLine(client, query, (bytes, start, end) => {
      const fields = bytes.toString('utf8', start, end).split('\t');
      applications.push({
        unitId: copyTextValue(fields[0]),
        corporateNumber: copyTextValue(fields[1]),
        awarded: fields[2] === 'awarded',
        awardFiscalYear: number(fields[3]),
        callRound: Number(fields[4]),
        reviewScore: number(fields[5]),
        subsidyAmountYen: number(fields[6]),
        requestedAmountYen: Number(fields[7]),
        employees: Number(fields[8]),
        applicationDate: fields[9],
      });
    });
    return applications;
  });
}

const NULL_FIELD = '\\N';

/**
 * Outcomes of the programme's consenting units, as columns of the named measures: COPY … TO STDOUT of the
 * measures extracted from jsonb, parsed from its bytes into typed arrays. Reading the same rows as Kysely row
 * objects (each jsonb parsed into an object) took 3 s for 800,000 rows; this about a twentieth. The measures cross
 * as jsonb wrote them (the decimal text the load stored): casting them to float8 on the server cost it a fifth of
 * a second more, and the nearest double of that text is the same either way.
 *
 * The units are read in two halves at once, on two connections: one server process alone took 1.9 s to produce the
 * 787,925 rows of a national programme while this process parsed them with time to spare; two take 1.5 s. The
 * halves meet at a consenting unit in the middle of the primary key's order, the order of the rows within each.
 */
export async function readUnitOutcomes(db: Kysely<Database>, programmeId: string, measureNames: readonly string[]): Promise<UnitOutcomeColumns> {
  const { rows } = await sql<{ middle: string }>`
    SELECT unit_id AS middle FROM core.applications
     WHERE programme_id = ${programmeId} AND consent
     ORDER BY unit_id
    OFFSET (SELECT count(*) / 2 FROM core.applications WHERE programme_id = ${programmeId} AND consent) LIMIT 1`.execute(db);
  const middle = rows[0]?.middle;
  // No consenting application: no outcome row can be read either, and one range reads that.
  const ranges = middle === undefined ? [{}] : [{ before: middle }, { from: middle }];
  const parts = await Promise.all(ranges.map((range) => readUnitOutcomeRange(db, programmeId, measureNames, range)));
  return concatenateOutcomeColumns(parts, measureNames);
}

/**
 * The outcomes of the units in [from, before) in the database's order of unit ids (either bound may be open), as
 * views of the builder's grown arrays: concatenateOutcomeColumns copies them into columns of their exact length.
 */
async function readUnitOutcomeRange(
  db: Kysely<Database>,
  programmeId: string,
  measureNames: readonly string[],
  range: { readonly from?: string; readonly before?: string },
): Promise<UnitOutcomeColumns> {
  return withRawClient(db, async (client) => {
    // COPY takes no bind parameters: the programme id, the measure names (both from the catalogue) and the unit bounds are quoted as literals.
    const programme = client.escapeLiteral(programmeId);
    const measureColumns = measureNames.map((name) => `o.measures ->> ${client.escapeLiteral(name)}`);
    const bounds = [
      ...(range.from === undefined ? [] : [`AND o.unit_id >= ${client.escapeLiteral(range.from)}`]),
      ...(range.before === undefined ? [] : [`AND o.unit_id < ${client.escapeLiteral(range.before)}`]),
    ];
    const query = `COPY (
      SELECT o.unit_id, o.fiscal_year${measureColumns.map((column) => `, ${column}`).join('')}
        FROM core.outcomes o
       WHERE o.programme_id = ${programme} ${bounds.join(' ')}
         AND EXISTS (SELECT 1 FROM core.applications a WHERE a.programme_id = ${programme} AND a.unit_id = o.unit_id AND a.consent)
       ORDER BY o.unit_id, o.fiscal_year) TO STDOUT`;
    const builder = new OutcomeColumnsBuilder(measureNames);
    await forEachCopyLine(client, query, (bytes, start, end) => builder.addLine(bytes, start, end));
    return builder.finish();
  });
}

/** Parts read in unit order, end to end: each part's columns copied once, into columns of the whole's exact length. */
function concatenateOutcomeColumns(parts: readonly UnitOutcomeColumns[], measureNames: readonly string[]): UnitOutcomeColumns {
  const rows = parts.reduce((sum, part) => sum + part.fiscalYear.length, 0);
  const joined = <Column extends Int32Array | Float64Array>(empty: Column, columnOf: (part: UnitOutcomeColumns) => Column): Column => {
    let at = 0;
    for (const part of parts) {
      const column = columnOf(part);
      empty.set(column, at);
      at += column.length;
    }
    return empty;
  };
  return {
    unitId: parts.flatMap((part) => part.unitId),
    fiscalYear: joined(new Int32Array(rows), (part) => part.fiscalYear),
    measures: Object.fromEntries(measureNames.map((name) => [name, joined(new Float64Array(rows), (part) => part.measures[name])])),
  };
}

/** Typed columns grown by doubling, from COPY text lines: unit id, fiscal year, then one field per measure. */
class OutcomeColumnsBuilder {
  private readonly unitId: string[] = [];
  private fiscalYear = new Int32Array(1 << 16);
  private measures: Float64Array[];
  private rows = 0;
  /** The previous line's unit id, as bytes: rows come in unit order, so most lines repeat it. */
  private previousUnit = Buffer.alloc(0);

  constructor(private readonly measureNames: readonly string[]) {
    this.measures = measureNames.map(() => new Float64Array(1 << 16));
  }

  addLine(bytes: Buffer, start: number, end: number): void {
    if (this.rows === this.fiscalYear.length) this.grow();
    const unitEnd = fieldEnd(bytes, start, end);
    // One string per unit rather than per row (8,000,000 rows hold 1,000,000 units).
    if (this.rows > 0 && sameBytes(bytes, start, unitEnd, this.previousUnit, 0, this.previousUnit.length)) {
      this.unitId.push(this.unitId[this.rows - 1]);
    } else {
      this.unitId.push(copyTextValue(bytes.toString('utf8', start, unitEnd)));
      this.previousUnit = Buffer.from(bytes.subarray(start, unitEnd));
    }
    const yearEnd = fieldEnd(bytes, unitEnd + 1, end);
    this.fiscalYear[this.rows] = parseDecimal(bytes, unitEnd + 1, yearEnd);
    let fieldStart = yearEnd + 1;
    for (let m = 0; m < this.measures.length; m++) {
      const fieldStop = fieldEnd(bytes, fieldStart, end);
      this.measures[m][this.rows] = isNullField(bytes, fieldStart, fieldStop) ? Number.NaN : parseDecimal(bytes, fieldStart, fieldStop);
      fieldStart = fieldStop + 1;
    }
    this.rows++;
  }

  /** The columns read, as views of the grown arrays (the caller copies them). */
  finish(): UnitOutcomeColumns {
    return {
      unitId: this.unitId,
      fiscalYear: this.fiscalYear.subarray(0, this.rows),
      measures: Object.fromEntries(this.measureNames.map((name, m) => [name, this.measures[m].subarray(0, this.rows)])),
    };
  }

  private grow(): void {
    const grown = new Int32Array(this.fiscalYear.length * 2);
    grown.set(this.fiscalYear);
    this.fiscalYear = grown;
    this.measures = this.measures.map((column) => {
      const larger = new Float64Array(column.length * 2);
      larger.set(column);
      return larger;
    });
  }
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

export interface RunAnalysisData {
  readonly applications: readonly ApplicationRecord[];
  /** Consortium members by unit (projects only): with the applicants, the firms the disclosure rule counts. */
  readonly unitMembers: ReadonlyMap<string, readonly string[]>;
  /** Every measure the programme declares, so the KPIs and each outcome of the study read from the same columns. */
  readonly outcomes: UnitOutcomeColumns;
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
      const data = Promise.all([readConsentingApplications(this.db, programme.id), readUnitOutcomes(this.db, programme.id, measureNames), readUnitMembers(this.db, programme.id)]).then(
        ([applications, outcomes, unitMembers]) => ({ applications, outcomes, unitMembers }),
      );
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
