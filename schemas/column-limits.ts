/**
 * What the database's columns can hold, for the checks that quarantine a record rather than let its value fail a whole
 * COPY: a value out of a column's range stops every row sent with it.
 */

/** The largest value of an `integer` column (PostgreSQL's 4-byte integer). */
export const INTEGER_COLUMN_MAX = 2_147_483_647;
