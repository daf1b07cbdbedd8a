/**
 * The attribution the 行政事業レビュー見える化サイト's licence (公共データ利用規約 第1.0版, PDL1.0) requires of every output
 * made from its data: the commands print it with what they show, text and JSON alike.
 */
export const REVIEW_SHEET_ATTRIBUTION = '出典: 行政事業レビュー見える化サイトのデータを加工して作成（公共データ利用規約 第1.0版 PDL1.0）';

/** The same in English, beside it where readers may not read Japanese (the report, the workbook, the dashboard). */
export const REVIEW_SHEET_ATTRIBUTION_EN = 'Source: review sheets published on the 行政事業レビュー見える化サイト (rssystem.go.jp), processed by ebpm; Public Data License 1.0.';
