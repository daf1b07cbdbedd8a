import { sql, type Kysely } from 'kysely';
import { comment, PROGRAMME_COLUMNS } from './view-helpers.js';

/**
 * Each programme measured on its own units and outcomes:
 * - applications are keyed by the unit of analysis (a firm's 法人番号, a project id or a site id), so one firm
 *   may lead several projects or run many sites; projects and sites are described in core.units, and the
 *   consortium members of a project in core.unit_members;
 * - the follow-up outcomes are the measures each programme declares in the catalogue, one jsonb object per
 *   unit and fiscal year, so a new programme or field is a catalogue edit, not a new column;
 * - indicators published by statistics offices are loaded into core.official_statistics;
 * - a KPI value records the units and the firms behind it (null for a published statistic: no firm's data).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE raw.input_files DROP CONSTRAINT input_files_kind_check`.execute(db);
  await sql`ALTER TABLE raw.input_files ADD CONSTRAINT input_files_kind_check CHECK (kind IN ('applicants', 'outcomes', 'statistics'))`.execute(db);

  await sql`ALTER TABLE core.applications ADD COLUMN unit_id text`.execute(db);
  await sql`UPDATE core.applications SET unit_id = corporate_number`.execute(db);
  await sql`ALTER TABLE core.applications ALTER COLUMN unit_id SET NOT NULL`.execute(db);
  await sql`ALTER TABLE core.applications DROP CONSTRAINT applications_pkey`.execute(db);
  await sql`ALTER TABLE core.applications ADD PRIMARY KEY (programme_id, unit_id, call_round)`.execute(db);
  await sql`CREATE INDEX applications_firm ON core.applications (programme_id, corporate_number)`.execute(db);
  await sql`COMMENT ON COLUMN core.applications.unit_id IS 'The unit of analysis applied for: the 法人番号 for firm programmes, the project id or site id otherwise.'`.execute(db);
  await sql`COMMENT ON COLUMN core.applications.corporate_number IS 'The applicant firm: the project''s lead applicant or the site''s operator.'`.execute(db);
  await sql`COMMENT ON TABLE core.applications IS 'One row per unit of analysis and call round; the call round and award fiscal year define the staggered cohorts.'`.execute(db);

  await sql`ALTER TABLE restricted.applicant_contacts ADD COLUMN unit_id text`.execute(db);
  await sql`UPDATE restricted.applicant_contacts SET unit_id = corporate_number`.execute(db);
  await sql`ALTER TABLE restricted.applicant_contacts ALTER COLUMN unit_id SET NOT NULL`.execute(db);
  await sql`ALTER TABLE restricted.applicant_contacts DROP CONSTRAINT applicant_contacts_pkey`.execute(db);
  await sql`ALTER TABLE restricted.applicant_contacts ADD PRIMARY KEY (programme_id, unit_id, call_round)`.execute(db);

  await sql`
    CREATE TABLE core.units (
      programme_id          text NOT NULL,
      unit_id               text NOT NULL,
      unit_kind             text NOT NULL CHECK (unit_kind IN ('project', 'site')),
      lead_corporate_number text NOT NULL CHECK (lead_corporate_number ~ '^[0-9]{13}$'),
      prefecture_code       text NOT NULL,
      site_kind             text CHECK (site_kind IN ('quick_charger', 'normal_charger', 'hydrogen_station')),
      source_file_sha256    text NOT NULL REFERENCES raw.input_files (file_sha256),
      PRIMARY KEY (programme_id, unit_id)
    )`.execute(db);
  await sql`COMMENT ON TABLE core.units IS 'Projects and sites, the units of analysis of the programmes that fund them: the lead applicant or operator (法人番号), the prefecture, and for sites their kind. Firm programmes'' units are core.firms.'`.execute(db);
  await sql`
    CREATE TABLE core.unit_members (
      programme_id     text NOT NULL,
      unit_id          text NOT NULL,
      corporate_number text NOT NULL CHECK (corporate_number ~ '^[0-9]{13}$'),
      PRIMARY KEY (programme_id, unit_id, corporate_number),
      FOREIGN KEY (programme_id, unit_id) REFERENCES core.units (programme_id, unit_id) ON DELETE CASCADE
    )`.execute(db);
  await sql`COMMENT ON TABLE core.unit_members IS 'Consortium members of a project besides its lead applicant.'`.execute(db);

  await sql`ALTER TABLE core.outcomes RENAME TO outcomes_before_0011`.execute(db);
  await sql`ALTER TABLE core.outcomes_before_0011 RENAME CONSTRAINT outcomes_pkey TO outcomes_before_0011_pkey`.execute(db);
  await sql`
    CREATE TABLE core.outcomes (
      programme_id       text NOT NULL,
      unit_id            text NOT NULL,
      fiscal_year        integer NOT NULL,
      measures           jsonb NOT NULL CHECK (jsonb_typeof(measures) = 'object'),
      source_file_sha256 text NOT NULL,
      source_line        integer NOT NULL,
      PRIMARY KEY (programme_id, unit_id, fiscal_year)
    )`.execute(db);
  await sql`
    INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line)
    SELECT programme_id, corporate_number, fiscal_year,
           jsonb_build_object('labour_productivity', labour_productivity, 'average_wage', average_wage, 'employees', employees),
           source_file_sha256, source_line
      FROM core.outcomes_before_0011`.execute(db);
  await sql`DROP TABLE core.outcomes_before_0011`.execute(db);
  // The set-based reference check of migration 0008, on the new table.
  for (const event of ['insert', 'update'] as const) {
    await sql.raw(`
      CREATE TRIGGER outcomes_source_file_sha256_exists_after_${event} AFTER ${event.toUpperCase()} ON core.outcomes
        REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION core.outcomes_source_file_sha256_exists()`).execute(db);
  }
  await sql`COMMENT ON TABLE core.outcomes IS 'Yearly follow-up outcomes per unit of analysis (fiscal years start in April): the measures the programme declares in the catalogue, by field name; null where a unit did not report an optional measure.'`.execute(db);

  await sql`
    CREATE TABLE core.official_statistics (
      programme_id       text NOT NULL,
      indicator_id       text NOT NULL,
      fiscal_year        integer NOT NULL,
      value              double precision NOT NULL,
      source             text NOT NULL,
      provenance         text NOT NULL,
      source_file_sha256 text NOT NULL REFERENCES raw.input_files (file_sha256),
      source_line        integer NOT NULL,
      PRIMARY KEY (programme_id, indicator_id, fiscal_year)
    )`.execute(db);
  await sql`COMMENT ON TABLE core.official_statistics IS 'Impact-stage indicators published by statistics offices and agencies (market sizes, shares, regional wages), one value per fiscal year, with the statistic and where the figure was taken from.'`.execute(db);

  await sql`ALTER TABLE results.kpi_values ALTER COLUMN firms DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE results.kpi_values ADD COLUMN units integer`.execute(db);
  await sql`COMMENT ON COLUMN results.kpi_values.firms IS 'Distinct firms (法人番号 of the applicants, lead applicants or operators) behind the value; null for a published statistic.'`.execute(db);
  await sql`COMMENT ON COLUMN results.kpi_values.units IS 'Distinct units of analysis (firms, projects or sites) behind the value; null for a published statistic.'`.execute(db);

  await sql`DROP VIEW bi.public_kpi_by_fiscal_year`.execute(db);
  await sql`DROP MATERIALIZED VIEW bi.kpi_by_fiscal_year`.execute(db);
  await sql`
    CREATE MATERIALIZED VIEW bi.kpi_by_fiscal_year AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en,
           i.indicator_id, i.stage, i.name_ja AS indicator_name_ja, i.name_en AS indicator_name_en, i.unit,
           i.display_order, k.fiscal_year, k.value, k.units, k.firms,
           CASE WHEN k.firms IS NULL THEN 'official_statistics' ELSE 'programme_records' END AS source_kind,
           l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.kpi_values k USING (run_key)
      JOIN core.indicators i ON i.programme_id = k.programme_id AND i.indicator_id = k.indicator_id`.execute(db);
  await sql`CREATE UNIQUE INDEX kpi_by_fiscal_year_key ON bi.kpi_by_fiscal_year (programme_id, indicator_id, fiscal_year)`.execute(db);
  const kpiColumns = {
    ...PROGRAMME_COLUMNS,
    indicator_id: 'Indicator identifier within the programme.',
    stage: 'Logic-model stage: input, activity, output, short_term_outcome, mid_term_outcome or impact.',
    indicator_name_ja: 'Indicator name in Japanese.',
    indicator_name_en: 'Indicator name in English.',
    unit: 'Unit of the value (e.g. 億円, 件, %, 千枚/月).',
    display_order: 'Order in which to list the indicators of a programme (logic-model order).',
    fiscal_year: 'Japanese fiscal year (FY2023 = April 2023 to March 2024).',
    source_kind: 'programme_records (computed from the applications and follow-up reports) or official_statistics (as published).',
    run_key: 'Evaluation run that computed the value.',
    computed_at: 'When that run finished.',
  };
  await comment(db, 'bi.kpi_by_fiscal_year', 'Logic-model indicators (KPIs) per programme and fiscal year (April–March), from the latest run: computed from the programme\'s records or read from official statistics. Refreshed at the end of every evaluation run.', {
    ...kpiColumns,
    value: 'Indicator value for the fiscal year.',
    units: 'Units of analysis (firms, projects or sites) behind the value; null for official statistics.',
    firms: 'Distinct firms behind the value (applicants, lead applicants or site operators); null for official statistics.',
  }, 'MATERIALIZED VIEW');
  await sql`
    CREATE VIEW bi.public_kpi_by_fiscal_year AS
    SELECT k.programme_id, k.programme_name_ja, k.programme_name_en, k.indicator_id, k.stage, k.indicator_name_ja,
           k.indicator_name_en, k.unit, k.display_order, k.fiscal_year,
           CASE WHEN k.firms < s.min_cell_units THEN NULL ELSE k.value END AS value,
           coalesce(k.firms < s.min_cell_units, false) AS suppressed, k.source_kind, k.run_key, k.computed_at
      FROM bi.kpi_by_fiscal_year k
      CROSS JOIN results.disclosure_settings s`.execute(db);
  await comment(db, 'bi.public_kpi_by_fiscal_year', 'KPIs per fiscal year for publication: a value computed from fewer firms than the disclosure minimum (results.disclosure_settings, default 10) is suppressed; for projects and sites the firms are their lead applicants or operators, however many units they have. Official statistics are published as they are. No totals are published beside them, so no secondary suppression is needed.', {
    ...kpiColumns,
    value: 'Indicator value; null when suppressed.',
    suppressed: 'True when the value comes from fewer firms than the disclosure minimum.',
  });
}

export async function down(): Promise<void> {
  throw new Error('migration 0011 is not reversible: the outcome measures were moved into jsonb');
}
