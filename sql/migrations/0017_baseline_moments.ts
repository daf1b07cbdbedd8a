import { sql, type Kysely } from 'kysely';
import { comment, PROGRAMME_COLUMNS } from './view-helpers.js';

/** Each outcome's spread and year-to-year correlation on the loaded data before the first award, per run: the minimum detectable effect of the next call uses them. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE results.baseline_moments (
      run_key       text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      programme_id  text NOT NULL,
      outcome       text NOT NULL,
      sd            double precision NOT NULL,
      year_to_year_correlation double precision NOT NULL,
      units         integer NOT NULL,
      first_year    integer NOT NULL,
      last_year     integer NOT NULL,
      PRIMARY KEY (run_key, outcome)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.baseline_moments IS 'Per run and outcome: the standard deviation (around each year''s mean) and the correlation between consecutive years, on the loaded outcomes before the programme''s first award.'`.execute(db);
  await sql`
    CREATE VIEW bi.baseline_moments AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, m.outcome, m.sd, m.year_to_year_correlation, m.units,
           m.first_year, m.last_year, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.baseline_moments m USING (run_key)`.execute(db);
  await comment(db, 'bi.baseline_moments', 'Each outcome\u2019s spread and year-to-year correlation before the first award, from the latest run: what the minimum detectable effect of a planned call assumes when loaded data exist (otherwise the catalogue\u2019s plannedCall figures).', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured.',
    sd: 'Standard deviation of the outcome around each fiscal year\u2019s mean, pooled over the years before the first award.',
    year_to_year_correlation: 'Correlation of a unit\u2019s outcome (around the year mean) with its value the year before.',
    units: 'Units with at least one year of outcomes before the first award.',
    first_year: 'First fiscal year used.',
    last_year: 'Last fiscal year used (the year before the first award).',
    run_key: 'Evaluation run that measured them.',
    computed_at: 'When that run finished.',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.baseline_moments`.execute(db);
  await sql`DROP TABLE IF EXISTS results.baseline_moments`.execute(db);
}
