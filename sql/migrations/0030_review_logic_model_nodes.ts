import { sql, type Kysely } from 'kysely';
import { comment } from './view-helpers.js';

/**
 * The nodes of the published logic model (3-1), activities included: bi.review_indicator_values holds only the
 * indicators of outputs and outcomes, so a report drawing the official logic model had nothing to name its
 * activities by, nor any node by its goal.
 */
const ATTRIBUTION = '出典: 行政事業レビュー見える化サイトのデータを加工して作成（公共データ利用規約 第1.0版 PDL1.0）. Source: the RS system (rssystem.go.jp) review sheets, processed by ebpm.';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW bi.review_logic_model_nodes AS
    SELECT DISTINCT ON (i.review_year, i.project_id, i.node_kind, i.outcome_term, i.node_number)
           i.review_year, i.project_id, i.node_kind, i.node_number, i.outcome_term, i.qualitative, i.goal
      FROM core.review_indicator_rows i JOIN raw.review_sheet_files f USING (file_sha256)
     WHERE f.status = 'loaded' AND i.node_kind IS NOT NULL
     ORDER BY i.review_year, i.project_id, i.node_kind, i.outcome_term, i.node_number, i.line`.execute(db);
  await comment(db, 'bi.review_logic_model_nodes', `The logic model's nodes (3-1), one per project, review year, kind, outcome term and number, activities included; their indicators are in bi.review_indicator_values, their edges in bi.review_logic_model_edges. ${ATTRIBUTION}`, {
    review_year: 'Review year (事業年度): the year of the review, from the file name and each row.',
    project_id: 'Project key (予算事業ID); the same project keeps it across review years.',
    node_kind: 'activity, output or outcome (種別); numbers restart per kind and, for outcomes, per term, so a node is node_kind, outcome_term and node_number.',
    node_number: 'Node number in the logic model (アクティビティ・アウトプット・アウトカムの番号).',
    outcome_term: 'short, mid or long (アウトカムの期間); null for activities and outputs.',
    qualitative: 'True for a qualitative outcome (定性的); null when not stated.',
    goal: 'The activity, or the output\'s or outcome\'s goal (アクティビティ／活動目標／成果目標), as published (free text).',
  });
  await sql`GRANT SELECT ON bi.review_logic_model_nodes TO bi_reader`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.review_logic_model_nodes`.execute(db);
}
