/**
 * A 3-1 row's cells by fiscal year (core.review_indicator_rows.year_values): the years with a cell, each with its
 * value, as the load reads them. Kept as two lists rather than an object keyed by year: a year is an array index to V8,
 * so such an object held its few cells among thousands of empty slots (dictionary elements), and making and writing
 * 118,000 of them was about 110 ms of a national 3-1 parse against about 40 ms for the lists and their JSON text
 * (bench/README.md, "2026-12-07 (09:00 UTC)").
 *
 * What it gives is what the object gave: its JSON text (jsonText, toJSON) and its entries (entries) list the years as
 * JSON.stringify and for…in list an object's keys, whole numbers in ascending order first, then the other names in the
 * order they came.
 */

/** A whole number that an object keeps among its indexes (no sign, no leading zero, below 2^32 − 1). */
function isArrayIndex(name: string): boolean {
  return /^(0|[1-9]\d*)$/.test(name) && Number(name) < 4_294_967_295;
}

/**
 * True when the names are array indexes in ascending order, the order an object lists them in: then so is any of
 * them taken in order, as a row's years are taken from its header's (checked once per file, read-file.ts).
 */
export function columnsInKeyOrder(columns: readonly string[]): boolean {
  return columns.every((column, index) => isArrayIndex(column) && (index === 0 || Number(column) > Number(columns[index - 1])));
}

export class YearValues {
  private readonly years: string[] = [];
  private readonly values: string[] = [];

  /** @param inKeyOrder the years will come in key order (columnsInKeyOrder of the columns they come from) */
  constructor(private readonly inKeyOrder: boolean) {}

  /** The cells of `entries`, in the order an object lists them. */
  static of(entries: Readonly<Record<string, string>>): YearValues {
    const values = new YearValues(columnsInKeyOrder(Object.keys(entries)));
    for (const [year, value] of Object.entries(entries)) values.set(year, value);
    return values;
  }

  /** One year's cell, in the order of the columns the constructor was told of. */
  set(year: string, value: string): void {
    this.years.push(year);
    this.values.push(value);
  }

  get size(): number {
    return this.years.length;
  }

  /** The years and their values in the order an object's keys would list them. */
  entries(): [year: string, value: string][] {
    if (this.inKeyOrder) return this.years.map((year, index) => [year, this.values[index]]);
    return Object.entries(this.toJSON());
  }

  /** As an object keyed by year: what JSON.stringify writes, and what a test compares. */
  toJSON(): Record<string, string> {
    const object: Record<string, string> = {};
    for (let index = 0; index < this.years.length; index++) object[this.years[index]] = this.values[index];
    return object;
  }

  /** The JSON text of toJSON(), written from the lists when they are in key order (whose years need no escaping). */
  jsonText(): string {
    if (!this.inKeyOrder) return JSON.stringify(this.toJSON());
    let text = '{';
    for (let index = 0; index < this.years.length; index++) text += `${index === 0 ? '' : ','}"${this.years[index]}":${JSON.stringify(this.values[index])}`;
    return `${text}}`;
  }
}
