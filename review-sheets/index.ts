/** Reading the published 行政事業レビュー sheets: name → header → records → rows or quarantine. */
export { parseReviewFileName, looksLikeReviewFile, ReviewFileNameError } from './file-name.js';
export { checkHeader, ReviewHeaderError } from './header-check.js';
export { PUBLISHED_HEADERS, isLoadedTable, type ReviewTable } from './published-headers.js';
export { parseReviewSheet, readReviewSheetStream, ReviewCsvError, UnsupportedReviewTableError, type ReviewSheetFile, type QuarantinedRecord } from './read-file.js';
