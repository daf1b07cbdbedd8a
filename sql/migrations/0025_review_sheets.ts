import { sql, type Kysely } from 'kysely';
import { comment } from './view-helpers.js';

/**
 * The published 行政事業レビュー sheets (RS system CSVs): a register of loaded files, the quarantined records,
 * one core table per loaded sheet table (every record kept with its line, keyed by review year and project), and
 * the bi views over the files currently in force. A newer file of the same table and review year retires the
 * earlier one: its rows stay, marked by the register, and leave the views.
 */
/** The attribution the review views' comments carry (exported for later migrations' views). */
export const ATTRIBUTION = '出典: 行政事業レビュー見える化サイトのデータを加工して作成（公共データ利用規約 第1.0版 PDL1.0）. Source: the RS system (rssystem.go.jp) review sheets, processed by ebpm.';

const KEY = `file_sha256 text NOT NULL REFERENCES raw.review_sheet_files (file_sha256),
  line integer NOT NULL,
  review_year integer NOT NULL,
  project_id integer NOT NULL`;

const PK = 'PRIMARY KEY (review_year, project_id, file_sha256, line)';

const KEY_COLUMNS = {
  review_year: 'Review year (事業年度): the year of the review, from the file name and each row.',
  project_id: 'Project key (予算事業ID); the same project keeps it across review years.',
};

/** Only rows of files in force: a retired file's rows stay in core but leave every view. */
const IN_FORCE = sql.raw(`JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded'`);

const NUMERIC = `'^-?[0-9]+(\\.[0-9]+)?$'`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE raw.review_sheet_files (
      file_sha256 text PRIMARY KEY CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
      file_name text NOT NULL,
      sheet_table text NOT NULL,
      review_year integer NOT NULL,
      records integer NOT NULL,
      loaded integer NOT NULL,
      quarantined integer NOT NULL,
      status text NOT NULL CHECK (status IN ('loaded', 'retired')),
      loaded_at timestamptz NOT NULL DEFAULT now(),
      retired_at timestamptz,
      retired_by text REFERENCES raw.review_sheet_files (file_sha256) DEFERRABLE INITIALLY DEFERRED,
      CHECK (records = loaded + quarantined)
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX review_sheet_files_in_force ON raw.review_sheet_files (sheet_table, review_year) WHERE status = 'loaded'`.execute(db);
  await sql`COMMENT ON TABLE raw.review_sheet_files IS 'Each review-sheet file loaded (RS system CSV): its account (records = loaded + quarantined) and whether it is in force or retired by a newer file of the same table and review year.'`.execute(db);
  await sql`
    CREATE TABLE raw.review_sheet_quarantine (
      file_sha256 text NOT NULL REFERENCES raw.review_sheet_files (file_sha256),
      line integer NOT NULL,
      reason text NOT NULL,
      record jsonb NOT NULL,
      PRIMARY KEY (file_sha256, line)
    )`.execute(db);
  await sql`COMMENT ON TABLE raw.review_sheet_quarantine IS 'Review-sheet records that were not loaded, each with its first line in the file, the reason and the record as received (an array of cells).'`.execute(db);

  await sql.raw(`
    CREATE TABLE core.review_projects (${KEY},
      project_name text, ministry text, policy_ministry text, bureau text, division text, purpose text,
      project_category text, start_year integer, end_year integer, main_expense text, ${PK})`).execute(db);
  await sql.raw(`
    CREATE TABLE core.review_budget (${KEY},
      budget_year integer, is_total boolean NOT NULL, account_section text, account text, sub_account text,
      initial_budget_yen numeric, supplementary_yen numeric, carried_in_yen numeric, reserve_yen numeric,
      current_budget_yen numeric, executed_yen numeric, execution_rate_reported numeric, carried_over_yen numeric,
      next_year_request_yen numeric, ${PK})`).execute(db);
  await sql.raw(`
    CREATE TABLE core.review_indicator_rows (${KEY},
      node_number integer NOT NULL, indicator_seq integer NOT NULL, row_kind text CHECK (row_kind IN ('target_year', 'target', 'actual', 'achievement')),
      node_kind text, outcome_term text, qualitative boolean, goal text, indicator_name text, unit text, direction text,
      data_source text, qualitative_reason text, qualitative_result text, year_values jsonb NOT NULL, ${PK})`).execute(db);
  await sql.raw(`
    CREATE TABLE core.review_edges (${KEY},
      from_node integer NOT NULL, to_node integer NOT NULL, from_kind text, to_kind text, rationale text, ${PK})`).execute(db);
  await sql.raw(`
    CREATE TABLE core.review_checks (${KEY},
      self_check_result text, improvement_direction text, external_review_year integer, external_review_findings text,
      team_finding text, team_finding_detail text, reflection text, reflected_general_account_yen numeric, ${PK})`).execute(db);
  await sql.raw(`
    CREATE TABLE core.review_payee_rows (${KEY},
      level text NOT NULL CHECK (level IN ('block', 'payee', 'contract')), block_number text, block_name text, block_total_yen numeric,
      payee_name text, corporate_number text, corporate_number_valid boolean, payee_total_yen numeric,
      contract_summary text, contract_yen numeric, ${PK})`).execute(db);
  // bi.review_payees finds each payee's block row by file, project and block number.
  await sql`CREATE INDEX review_payee_rows_blocks ON core.review_payee_rows (file_sha256, project_id, block_number) WHERE level = 'block'`.execute(db);
  for (const [table, what] of [
    ['review_projects', '1-2 project overview (基本情報_事業概要等)'],
    ['review_budget', '2-1 budget and execution (予算・執行_サマリ): total rows (is_total) and account rows, kept apart'],
    ['review_indicator_rows', '3-1 logic-model nodes with yearly targets and actuals (効果発現経路_目標・実績), one row per published record; year_values maps fiscal year to the cell'],
    ['review_edges', '3-2 logic-model edges (効果発現経路_目標のつながり)'],
    ['review_checks', '4-1 checks and findings of the review (点検・評価)'],
    ['review_payee_rows', '5-1 payees (支出先_支出情報), one row per published record at its level: block, payee or contract'],
  ] as const) {
    await sql`COMMENT ON TABLE ${sql.table(`core.${table}`)} IS ${sql.lit(`Review sheets, table ${what}. ${ATTRIBUTION}`)}`.execute(db);
  }

  await sql`
    CREATE VIEW bi.review_projects AS
    SELECT DISTINCT ON (p.review_year, p.project_id)
           p.review_year, p.project_id, p.project_name, p.ministry, p.policy_ministry, p.bureau, p.division,
           p.project_category, p.start_year, p.end_year,
           (SELECT string_agg(m.main_expense, '／' ORDER BY m.line) FROM core.review_projects m
             WHERE m.file_sha256 = p.file_sha256 AND m.project_id = p.project_id) AS main_expense,
           p.purpose
      FROM core.review_projects p ${IN_FORCE}
     ORDER BY p.review_year, p.project_id, p.line`.execute(db);
  await comment(db, 'bi.review_projects', `One row per project and review year, from review-sheet table 1-2. ${ATTRIBUTION}`, {
    ...KEY_COLUMNS,
    project_name: 'Project name (事業名).',
    ministry: 'Ministry (府省庁).',
    policy_ministry: 'Ministry responsible for the policy (政策所管府省庁).',
    bureau: 'Bureau or agency (局・庁).',
    division: 'Division (課).',
    project_category: 'Project category (事業区分), e.g. 前年度事業, 新規事業.',
    start_year: 'First fiscal year of the project (事業開始年度); null when unknown.',
    end_year: 'Last fiscal year planned (事業終了（予定）年度); null when none is planned.',
    main_expense: 'Main expense categories (主要経費): 1-2 has one row per category of a project; joined with ／ in file order.',
    purpose: 'Purpose of the project (事業の目的), as published (free text).',
  });

  await sql.raw(`
    CREATE VIEW bi.review_indicator_values AS
    WITH r AS (
      SELECT i.* FROM core.review_indicator_rows i JOIN raw.review_sheet_files f USING (file_sha256)
       WHERE f.status = 'loaded' AND i.row_kind IS NOT NULL
    ), indicators AS (
      SELECT DISTINCT ON (file_sha256, project_id, node_kind, node_number, indicator_seq)
             file_sha256, review_year, project_id, node_number, indicator_seq, node_kind, outcome_term, qualitative,
             indicator_name, unit, direction
        FROM r ORDER BY file_sha256, project_id, node_kind, node_number, indicator_seq, line
    ), cells AS (
      SELECT r.file_sha256, r.project_id, r.node_kind, r.node_number, r.indicator_seq, y.key::integer AS fiscal_year,
             max(y.value) FILTER (WHERE r.row_kind = 'target_year') AS target_year_flag,
             max(y.value) FILTER (WHERE r.row_kind = 'target') AS target_text,
             max(y.value) FILTER (WHERE r.row_kind = 'actual') AS actual_text,
             max(y.value) FILTER (WHERE r.row_kind = 'achievement') AS achievement_text
        FROM r CROSS JOIN LATERAL jsonb_each_text(r.year_values) y
       GROUP BY 1, 2, 3, 4, 5, 6
    ), v AS (
      SELECT i.file_sha256, i.review_year, i.project_id, i.node_number, i.indicator_seq, i.node_kind, i.outcome_term, i.qualitative,
             i.indicator_name, i.unit, i.direction, c.fiscal_year, c.target_year_flag, c.target_text, c.actual_text, c.achievement_text,
             CASE WHEN c.target_text ~ ${NUMERIC} THEN c.target_text::numeric END AS target_value,
             CASE WHEN c.actual_text ~ ${NUMERIC} THEN c.actual_text::numeric END AS actual_value,
             CASE WHEN c.achievement_text ~ ${NUMERIC} THEN c.achievement_text::numeric END AS achievement_reported
        FROM indicators i JOIN cells c ON c.file_sha256 = i.file_sha256 AND c.project_id = i.project_id
             AND c.node_kind IS NOT DISTINCT FROM i.node_kind AND c.node_number = i.node_number AND c.indicator_seq = i.indicator_seq
    )
    SELECT review_year, project_id, node_number, indicator_seq, node_kind, outcome_term, qualitative, indicator_name,
           unit, direction, fiscal_year, target_value, actual_value, achievement_reported,
           CASE WHEN qualitative IS TRUE THEN NULL
                WHEN direction = 'down' THEN CASE WHEN actual_value > 0 THEN target_value / actual_value * 100 END
                ELSE CASE WHEN target_value <> 0 THEN actual_value / target_value * 100 END
           END AS achievement_computed,
           coalesce(target_year_flag = '1', false) AS is_target_year,
           target_text, actual_text
      FROM v`).execute(db);
  await comment(db, 'bi.review_indicator_values', `One row per indicator of a logic-model node (3-1 outputs and outcomes) and fiscal year with a value in any of its four published rows (目標年度, 目標値, 実績値, 達成率). ${ATTRIBUTION}`, {
    ...KEY_COLUMNS,
    node_number: 'Node number in the logic model (アクティビティ・アウトプット・アウトカムの番号); numbers restart per kind, so a node is node_kind with node_number.',
    indicator_seq: 'Which indicator of the node, in file order (1 for the first; a node may have several).',
    node_kind: 'activity, output or outcome (種別).',
    outcome_term: 'short, mid or long (アウトカムの期間 1.短期 / 2.中期 / 3.長期); null for outputs.',
    qualitative: 'True for a qualitative outcome (定性的), whose cells are text, not numbers; null when not stated.',
    indicator_name: 'Indicator (活動指標／成果指標), as published.',
    unit: 'Unit (単位).',
    direction: 'up (上がると良い指標), down (下がると良い指標), another text as published, or null when not stated.',
    fiscal_year: 'Fiscal year of the values (the published year column).',
    target_value: 'Target (2.目標値) for the year; null when none or not a number (see target_text).',
    actual_value: 'Actual (3.実績値) for the year; null when none or not a number (see actual_text).',
    achievement_reported: 'Achievement rate as published (4.達成率), in %.',
    achievement_computed: 'Achievement from actual and target, in %, direction-aware: actual / target × 100, or target / actual × 100 for an indicator where lower is better; null for qualitative outcomes or a zero denominator. Unrounded.',
    is_target_year: 'True where the 1.目標年度 row has its 1 in this year: the indicator\'s target year.',
    target_text: 'The target cell as published (text, for qualitative outcomes).',
    actual_text: 'The actual cell as published (text, for qualitative outcomes).',
  });

  await sql`
    CREATE VIEW bi.review_logic_model_edges AS
    SELECT e.review_year, e.project_id, e.from_node, e.to_node, e.from_kind, e.to_kind, e.rationale
      FROM core.review_edges e ${IN_FORCE}`.execute(db);
  await comment(db, 'bi.review_logic_model_edges', `The logic model's edges (3-2), one per published record. ${ATTRIBUTION}`, {
    ...KEY_COLUMNS,
    from_node: 'Node the edge starts from (派生元の番号; with from_kind it names the node).',
    to_node: 'Node the edge leads to (派生先の番号; with to_kind it names the node).',
    from_kind: 'activity, output or outcome: the start node\'s kind.',
    to_kind: 'activity, output or outcome: the end node\'s kind.',
    rationale: 'Why the one leads to the other (後続アウトカムへのつながり), as published.',
  });

  await sql`
    CREATE VIEW bi.review_budget_execution AS
    SELECT b.review_year, b.project_id, b.budget_year, b.initial_budget_yen, b.supplementary_yen, b.carried_in_yen,
           b.reserve_yen, b.current_budget_yen, b.executed_yen,
           CASE WHEN b.budget_year < b.review_year AND b.current_budget_yen > 0 THEN b.executed_yen / b.current_budget_yen END AS execution_rate,
           b.execution_rate_reported, b.carried_over_yen, b.next_year_request_yen,
           CASE WHEN b.budget_year >= b.review_year THEN NULL
                WHEN b.current_budget_yen = 0 AND b.executed_yen > 0 THEN NULL
                ELSE b.current_budget_yen - b.executed_yen - coalesce(b.carried_over_yen, 0)
           END AS unspent_yen
      FROM core.review_budget b ${IN_FORCE} AND b.is_total`.execute(db);
  await comment(db, 'bi.review_budget_execution', `Budget and execution per project and budget year (2-1 total rows only; account rows stay in core.review_budget and are never added to them), in yen. ${ATTRIBUTION}`, {
    ...KEY_COLUMNS,
    budget_year: 'Budget year (予算年度).',
    initial_budget_yen: 'Initial budget (当初予算（合計）).',
    supplementary_yen: 'Supplementary budgets (補正予算（合計）).',
    carried_in_yen: 'Carried in from the previous year (前年度からの繰越し（合計）).',
    reserve_yen: 'Reserve funds and the like (予備費等（合計）).',
    current_budget_yen: 'Current budget (計（歳出予算現額合計）).',
    executed_yen: 'Executed (執行額（合計）), as published: 0 for the review year itself, not yet known.',
    execution_rate: 'executed / current budget (a ratio, like 執行率); null for the review year and later, or a current budget of 0.',
    execution_rate_reported: 'Execution rate as published (執行率, a ratio).',
    carried_over_yen: 'Carried over to the next year (翌年度への繰越し(合計）).',
    next_year_request_yen: 'Request for the next year (翌年度要求額（合計））.',
    unspent_yen: 'current budget − executed − carried over; null where it cannot be derived: the review year and later, or a current budget of 0 with spending.',
  });

  await sql`
    CREATE VIEW bi.review_payees AS
    SELECT p.review_year, p.project_id, p.block_number, blocks.block_name, p.payee_name, p.corporate_number,
           p.corporate_number_valid, p.payee_total_yen
      FROM core.review_payee_rows p
      JOIN raw.review_sheet_files f USING (file_sha256)
      LEFT JOIN LATERAL (
        SELECT b.block_name FROM core.review_payee_rows b
         WHERE b.file_sha256 = p.file_sha256 AND b.project_id = p.project_id AND b.block_number = p.block_number AND b.level = 'block'
         ORDER BY b.line LIMIT 1) blocks ON true
     WHERE f.status = 'loaded' AND p.level = 'payee'`.execute(db);
  await comment(db, 'bi.review_payees', `Payees (5-1), the payee level only, so that sums are never double: block and contract rows stay in core.review_payee_rows. ${ATTRIBUTION}`, {
    ...KEY_COLUMNS,
    block_number: 'Payment block (支出先ブロック番号), e.g. A, B.',
    block_name: 'Name of the block (支出先ブロック名), from its block row.',
    payee_name: 'Payee (支出先名), as published.',
    corporate_number: '法人番号 as published, without surrounding spaces; kept even when its check digit fails.',
    corporate_number_valid: 'Whether the 法人番号 is 13 digits with a matching check digit; null when none is given.',
    payee_total_yen: 'Total paid to the payee (支出先の合計支出額), in yen.',
  });
  for (const view of ['review_projects', 'review_indicator_values', 'review_logic_model_edges', 'review_budget_execution', 'review_payees']) {
    await sql`GRANT SELECT ON ${sql.table(`bi.${view}`)} TO bi_reader`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const view of ['review_payees', 'review_budget_execution', 'review_logic_model_edges', 'review_indicator_values', 'review_projects']) {
    await sql`DROP VIEW IF EXISTS ${sql.table(`bi.${view}`)}`.execute(db);
  }
  for (const table of ['review_payee_rows', 'review_checks', 'review_edges', 'review_indicator_rows', 'review_budget', 'review_projects']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(`core.${table}`)}`.execute(db);
  }
  await sql`DROP TABLE IF EXISTS raw.review_sheet_quarantine`.execute(db);
  await sql`DROP TABLE IF EXISTS raw.review_sheet_files`.execute(db);
}
