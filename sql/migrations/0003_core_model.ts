import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE core.programmes (
      programme_id text PRIMARY KEY,
      name_ja      text NOT NULL,
      name_en      text NOT NULL,
      ministry     text NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE core.indicators (
      programme_id  text NOT NULL REFERENCES core.programmes (programme_id),
      indicator_id  text NOT NULL,
      stage         text NOT NULL CHECK (stage IN ('input', 'activity', 'output', 'short_term_outcome', 'mid_term_outcome', 'impact')),
      name_ja       text NOT NULL,
      name_en       text NOT NULL,
      unit          text NOT NULL,
      display_order integer NOT NULL,
      indicator_class      text NOT NULL,
      direction            text NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
      definition           text NOT NULL,
      data_source          text NOT NULL,
      baseline_value       double precision,
      baseline_fiscal_year integer,
      target_value         double precision NOT NULL,
      target_fiscal_year   integer NOT NULL,
      computed             boolean NOT NULL,
      PRIMARY KEY (programme_id, indicator_id)
    )`.execute(db);
  await sql`COMMENT ON TABLE core.indicators IS 'Every logic-model indicator of every programme, from the catalogue; computed = the pipeline calculates it from the core tables.'`.execute(db);
  await sql`
    CREATE TABLE core.firms (
      corporate_number text PRIMARY KEY CHECK (corporate_number ~ '^[0-9]{13}$'),
      firm_name        text NOT NULL,
      industry_code    text NOT NULL,
      prefecture_code  text NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE core.applications (
      programme_id             text NOT NULL,
      corporate_number         text NOT NULL REFERENCES core.firms (corporate_number),
      call_round               integer NOT NULL,
      application_date         date NOT NULL,
      decision                 text NOT NULL CHECK (decision IN ('awarded', 'rejected')),
      award_fiscal_year        integer,
      subsidy_amount_yen       bigint,
      requested_amount_yen     bigint NOT NULL,
      employees_at_application integer NOT NULL,
      consent                  boolean NOT NULL,
      source_file_sha256       text NOT NULL REFERENCES raw.input_files (file_sha256),
      source_line              integer NOT NULL,
      PRIMARY KEY (programme_id, corporate_number, call_round),
      CHECK ((decision = 'awarded') = (award_fiscal_year IS NOT NULL))
    )`.execute(db);
  await sql`
    CREATE TABLE core.outcomes (
      programme_id        text NOT NULL,
      corporate_number    text NOT NULL,
      fiscal_year         integer NOT NULL,
      labour_productivity double precision NOT NULL,
      average_wage        double precision NOT NULL,
      employees           integer NOT NULL,
      source_file_sha256  text NOT NULL REFERENCES raw.input_files (file_sha256),
      source_line         integer NOT NULL,
      PRIMARY KEY (programme_id, corporate_number, fiscal_year)
    )`.execute(db);
  await sql`
    CREATE TABLE restricted.applicant_contacts (
      programme_id        text NOT NULL,
      corporate_number    text NOT NULL,
      call_round          integer NOT NULL,
      representative_name text,
      address             text,
      phone               text,
      email               text,
      source_file_sha256  text NOT NULL REFERENCES raw.input_files (file_sha256),
      PRIMARY KEY (programme_id, corporate_number, call_round)
    )`.execute(db);
  await sql`COMMENT ON TABLE restricted.applicant_contacts IS 'Contact details of consenting applicants. Personal data: not readable by BI roles, never joined into results.'`.execute(db);
  await sql`COMMENT ON TABLE core.applications IS 'One row per applicant and call round; the call round and award fiscal year define the staggered cohorts.'`.execute(db);
  await sql`COMMENT ON TABLE core.outcomes IS 'Yearly follow-up outcomes per firm (fiscal years start in April).'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS restricted.applicant_contacts, core.outcomes, core.applications, core.firms, core.indicators, core.programmes`.execute(db);
}
