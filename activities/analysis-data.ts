/** Reads the consenting applications of one programme and their units' outcomes, as the analysis modules want them. */
import { sql, type Kysely } from 'kysely';
import { subgroupValue } from '../analysis/adhoc-study.js';
import type { SubgroupField } from '../schemas/catalogue.js';
import copyStreams from 'pg-copy-streams';
import type pg from 'pg';
import type { Programme } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
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

/** An application with the applicant characteristics a study spec may condition on, by applicant-file field name. */
export function withCharacteristics(application: ApplicationRecord) {
  return {
    ...application,
    characteristics: { employees: application.employees, requested_amount_yen: application.requestedAmountYen },
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
    await forEachCopyLine(client, query, (line) => {
      const fields = line.split('\t');
      applications.push({
        unitId: copyText(fields[0]),
        corporateNumber: copyText(fields[1]),
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

/** A COPY text field as its value: backslash escapes undone (ids rarely have any). */
function copyText(field: string): string {
  return field.includes('\\') ? unescapeCopyText(field) : field;
}

/** Runs a COPY … TO STDOUT (text format) and hands over each line, however the chunks split them. */
async function forEachCopyLine(client: pg.PoolClient, query: string, onLine: (line: string) => void): Promise<void> {
  let pending = '';
  for await (const chunk of client.query(copyStreams.to(query)) as AsyncIterable<Buffer>) {
    const text = pending + chunk.toString('utf8');
    const lastNewline = text.lastIndexOf('\n');
    for (let start = 0, end = text.indexOf('\n'); end !== -1 && end <= lastNewline; start = end + 1, end = text.indexOf('\n', start)) {
      onLine(text.slice(start, end));
    }
    pending = text.slice(lastNewline + 1);
  }
}

/**
 * Outcomes of the programme's consenting units, as columns of the named measures: one COPY … TO STDOUT of
 * the measures already extracted from jsonb, parsed line by line into typed arrays. Reading the same rows as
 * Kysely row objects (each jsonb parsed into an object) took 3 s for 800,000 rows; this about a tenth.
 * Numbers cross as float8 text, which PostgreSQL writes in the shortest form that reads back exactly.
 */
export async function readUnitOutcomes(db: Kysely<Database>, programmeId: string, measureNames: readonly string[]): Promise<UnitOutcomeColumns> {
  return withRawClient(db, async (client) => {
    // COPY takes no bind parameters: the programme id and the measure names (both from the catalogue) are quoted as literals.
    const programme = client.escapeLiteral(programmeId);
    const measureColumns = measureNames.map((name) => `(o.measures ->> ${client.escapeLiteral(name)})::float8`);
    const query = `COPY (
      SELECT o.unit_id, o.fiscal_year${measureColumns.map((column) => `, ${column}`).join('')}
        FROM core.outcomes o
       WHERE o.programme_id = ${programme}
         AND EXISTS (SELECT 1 FROM core.applications a WHERE a.programme_id = ${programme} AND a.unit_id = o.unit_id AND a.consent)
       ORDER BY o.unit_id, o.fiscal_year) TO STDOUT`;
    const columns = new OutcomeColumnsBuilder(measureNames);
    await forEachCopyLine(client, query, (line) => columns.addLine(line));
    return columns.finish();
  });
}

/** Typed columns grown by doubling, from COPY text lines: unit id, fiscal year, then one field per measure. */
class OutcomeColumnsBuilder {
  private readonly unitId: string[] = [];
  private fiscalYear = new Int32Array(1 << 16);
  private measures: Float64Array[];
  private rows = 0;

  constructor(private readonly measureNames: readonly string[]) {
    this.measures = measureNames.map(() => new Float64Array(1 << 16));
  }

  addLine(line: string): void {
    if (this.rows === this.fiscalYear.length) this.grow();
    const fields = line.split('\t');
    const unitId = copyText(fields[0]);
    // Rows come in unit order: one string per unit rather than per row (8,000,000 rows hold 1,000,000 units).
    const previous = this.rows > 0 ? this.unitId[this.rows - 1] : undefined;
    this.unitId.push(unitId === previous ? previous : unitId);
    this.fiscalYear[this.rows] = Number(fields[1]);
    for (let m = 0; m < this.measures.length; m++) {
      const field = fields[2 + m];
      this.measures[m][this.rows] = field === NULL_FIELD ? Number.NaN : Number(field);
    }
    this.rows++;
  }

  finish(): UnitOutcomeColumns {
    return {
      unitId: this.unitId,
      fiscalYear: this.fiscalYear.slice(0, this.rows),
      measures: Object.fromEntries(this.measureNames.map((name, m) => [name, this.measures[m].slice(0, this.rows)])),
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

const COPY_TEXT_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' };

/** A COPY text field with its backslash escapes undone (unit ids rarely have any). */
function unescapeCopyText(field: string): string {
  return field.replace(/\\(.)/g, (_, char: string) => COPY_TEXT_ESCAPES[char] ?? char);
}

/** The programme's loaded official statistics. */
export async function readOfficialStatistics(db: Kysely<Database>, programmeId: string) {
  const rows = await db.selectFrom('core.official_statistics').select(['indicator_id', 'fiscal_year', 'value']).where('programme_id', '=', programmeId).execute();
  return rows.map((row) => ({ indicatorId: row.indicator_id, fiscalYear: row.fiscal_year, value: row.value }));
}

export interface RunAnalysisData {
  readonly applications: readonly ApplicationRecord[];
  /** Every measure the programme declares, so the KPIs and each outcome of the study read from the same columns. */
  readonly outcomes: UnitOutcomeColumns;
}

/**
 * One run's analysis data, read once per worker: the KPI step reads it and the effect step, which a worker
 * usually runs next, reuses it rather than reading the 800,000 outcome rows of a national programme again
 * (1.3–1.7 s). It holds a single run and is released when the effect step ends; an effect step on another
 * worker, or a retry after that worker died, reads the database itself.
 */
export class RunDataCache {
  private entry: { readonly runKey: string; readonly data: Promise<RunAnalysisData> } | null = null;

  constructor(private readonly db: Kysely<Database>) {}

  read(runKey: string, programme: Programme): Promise<RunAnalysisData> {
    if (this.entry?.runKey !== runKey) {
      const measureNames = fileDeclaration(programme.file, 'outcomes').measures.map((measure) => measure.name);
      const data = (async () => ({
        applications: await readConsentingApplications(this.db, programme.id),
        outcomes: await readUnitOutcomes(this.db, programme.id, measureNames),
      }))();
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
