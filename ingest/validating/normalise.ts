/**
 * Normalisation of the values Japanese application systems and spreadsheets produce: full-width
 * characters, 和暦 dates, yen amounts with units, prefecture names. Pure functions; each returns either
 * the normalised value or a reason code with a message that says what was wrong.
 */

export type Normalised<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string; readonly message: string };

const ok = <T>(value: T): Normalised<T> => ({ ok: true, value });
const fail = <T>(reason: string, message: string): Normalised<T> => ({ ok: false, reason, message });

/** NFKC folds full-width digits, letters and spaces to their ASCII forms; then outer white space goes. */
export function normaliseText(value: string): string {
  // Printable ASCII without spaces is its own NFKC form and has nothing to trim. Most fields of most files
  // are, and skipping the Unicode library for them took a 1,000,000-row parse from 10.1–10.9 s to 9.4–9.6 s.
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return value.normalize('NFKC').trim();
  }
  return value;
}

interface Era {
  readonly names: readonly string[];
  /** Gregorian year of the era's first year (元年). */
  readonly firstYear: number;
  readonly starts: string;
  readonly ends: string | null;
}

const ERAS: readonly Era[] = [
  { names: ['令和', 'R'], firstYear: 2019, starts: '2019-05-01', ends: null },
  { names: ['平成', 'H'], firstYear: 1989, starts: '1989-01-08', ends: '2019-04-30' },
  { names: ['昭和', 'S'], firstYear: 1926, starts: '1926-12-25', ends: '1989-01-07' },
];

function isoOf(year: number, month: number, day: number): string | null {
  if (!isCalendarDate(year, month, day)) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const HYPHEN = 45;

function isDigitAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/** The whole number written by the digits of text[from, to). */
function digitsValue(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + (text.charCodeAt(i) - DIGIT_0);
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * A day of the Gregorian calendar, years 100 on: dates of years below 100 have always been refused (the reading used
 * to check dates through Date.UTC, which takes years 0–99 for 1900–1999).
 */
function isCalendarDate(year: number, month: number, day: number): boolean {
  return year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Where YYYY-MM-DD has its digits. */
const ISO_DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9] as const;

/**
 * The common case read without regular expressions: text that is already YYYY-MM-DD, as most application systems
 * write it (a 1,000,000-row applicant file spent about half a second in the general reading below). Gives the text
 * itself when it is a calendar date, null when it is not (as the general reading would say of the same text), and
 * undefined for anything else, which the general reading then takes.
 */
function plainIsoDate(raw: string): string | null | undefined {
  if (raw.length !== 10 || raw.charCodeAt(4) !== HYPHEN || raw.charCodeAt(7) !== HYPHEN) return undefined;
  for (const index of ISO_DATE_DIGITS) if (!isDigitAt(raw, index)) return undefined;
  return isCalendarDate(digitsValue(raw, 0, 4), digitsValue(raw, 5, 7), digitsValue(raw, 8, 10)) ? raw : null;
}

/**
 * Dates as ISO YYYY-MM-DD from: 2024-04-01, 2024/4/1, 2024.4.1, 2024年4月1日, 令和6年4月1日, 令和元年5月1日,
 * R6.4.1, R6/4/1, H31.4.30 (and the same for 平成 and 昭和).
 */
export function parseJapaneseDate(raw: string): Normalised<string> {
  const plain = plainIsoDate(raw);
  if (plain !== undefined) return plain === null ? fail('invalid_date', `"${raw}" is not a calendar date`) : ok(plain);
  const text = normaliseText(raw).replace(/\s+/g, '');
  if (text === '') return fail('missing_date', 'is empty');
  const western = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text);
  if (western) {
    const iso = isoOf(Number(western[1]), Number(western[2]), Number(western[3]));
    return iso ? ok(iso) : fail('invalid_date', `"${raw}" is not a calendar date`);
  }
  const japanese = /^(令和|平成|昭和|[RHSrhs])(元|\d{1,2})[年./-](\d{1,2})[月./-](\d{1,2})日?$/.exec(text);
  if (!japanese) return fail('invalid_date', `"${raw}" is not a date (write 2024-04-01, 令和6年4月1日 or R6.4.1)`);
  const era = ERAS.find((candidate) => candidate.names.includes(japanese[1].toUpperCase()) || candidate.names.includes(japanese[1]));
  if (!era) return fail('invalid_date', `"${raw}" names an unknown era`);
  const eraYear = japanese[2] === '元' ? 1 : Number(japanese[2]);
  if (eraYear < 1) return fail('invalid_date', `"${raw}": era years start at 元年 (1), not ${eraYear}`);
  const iso = isoOf(era.firstYear + eraYear - 1, Number(japanese[3]), Number(japanese[4]));
  if (!iso) return fail('invalid_date', `"${raw}" is not a calendar date`);
  if (iso < era.starts || (era.ends !== null && iso > era.ends)) {
    return fail('date_outside_era', `"${raw}" (${iso}) falls outside ${era.names[0]} (${era.starts} to ${era.ends ?? 'now'}); check the era`);
  }
  return ok(iso);
}

/**
 * A fiscal year (April–March) as its Western starting year from: 2021, 2021年度, FY2021, 令和3年度,
 * 令和元年度, R3, R3年度, 平成30年度, H30. Era years count from the era's first year (令和元年度 = 2019).
 */
export function parseFiscalYear(raw: string): Normalised<number> {
  // Four plain digits, as most files write a year, read as the general reading below reads them.
  if (raw.length === 4 && isAllDigits(raw)) return ok(Number(raw));
  const text = normaliseText(raw).replace(/\s+/g, '');
  if (text === '') return fail('missing_fiscal_year', 'is empty');
  const western = /^(?:FY)?(\d{4})(?:年度?)?$/i.exec(text);
  if (western) return ok(Number(western[1]));
  const japanese = /^(令和|平成|昭和|[RHSrhs])(元|\d{1,2})(?:年度?)?$/.exec(text);
  if (!japanese) return fail('invalid_fiscal_year', `"${raw}" is not a fiscal year (write 2021, 2021年度, FY2021, 令和3年度 or R3)`);
  const era = ERAS.find((candidate) => candidate.names.includes(japanese[1]) || candidate.names.includes(japanese[1].toUpperCase()));
  if (!era) return fail('invalid_fiscal_year', `"${raw}" names an unknown era`);
  const eraYear = japanese[2] === '元' ? 1 : Number(japanese[2]);
  if (eraYear < 1) return fail('invalid_fiscal_year', `"${raw}": era years start at 元年 (1), not ${eraYear}`);
  return ok(era.firstYear + eraYear - 1);
}

function isAllDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isDigitAt(text, i)) return false;
  return true;
}

/** Each unit of yen and how many places it moves the decimal point. */
const YEN_UNITS: readonly (readonly [unit: string, places: number])[] = [
  ['百万円', 6],
  ['千円', 3],
  ['万円', 4],
  ['億円', 8],
  ['円', 0],
];

/**
 * The largest amount read: the largest whole number a double holds exactly (far below the 9.2 × 10^18 the bigint
 * columns take), some eighty times Japan's national budget.
 */
export const MAX_YEN = Number.MAX_SAFE_INTEGER;
const MAX_YEN_DIGITS = String(MAX_YEN);

function amountTooLarge(raw: string): Normalised<number> {
  return fail('amount_too_large', `"${raw}" is larger than any amount of yen ebpm reads (at most ${MAX_YEN.toLocaleString('en-US')}); check the unit and the digits`);
}

/** Whole yen written as digits, or the reason it cannot be read. */
function wholeYen(raw: string, written: string): Normalised<number> {
  const digits = written.length > 1 && written.charCodeAt(0) === DIGIT_0 ? written.replace(/^0+(?=\d)/, '') : written;
  if (digits.length > MAX_YEN_DIGITS.length || (digits.length === MAX_YEN_DIGITS.length && digits > MAX_YEN_DIGITS)) return amountTooLarge(raw);
  return ok(Number(digits));
}

/**
 * Yen as a whole number from 1,234,567 / ¥1,234,567 / 1,234千円 / 1.5百万円 / 12万円 / 3億円. Negative amounts are refused.
 * A unit moves the decimal point in the text, not by multiplying a double: 128.2億円 is 12,820,000,000 yen exactly (as a
 * double product, 12,819,999,999.999998, which was refused as not whole).
 */
export function parseYenAmount(raw: string): Normalised<number> {
  // Plain digits, as most files write amounts, need none of the folding below and read the same without it.
  if (raw.length > 0 && isAllDigits(raw)) return wholeYen(raw, raw);
  let text = normaliseText(raw).replace(/[,\s]/g, '').replace(/^[¥￥]/, '');
  if (text === '') return fail('missing_amount', 'is empty');
  let places = 0;
  for (const [unit, unitPlaces] of YEN_UNITS) {
    if (text.endsWith(unit)) {
      places = unitPlaces;
      text = text.slice(0, -unit.length);
      break;
    }
  }
  const parts = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!parts) return fail('invalid_amount', `"${raw}" is not an amount of yen (write 1234567, 1,234千円 or 1.5百万円)`);
  const [, sign, whole, fraction = ''] = parts;
  // The digits of whole yen, and those left after the point once the unit has moved it.
  const digits = `${whole}${fraction.slice(0, places).padEnd(places, '0')}`;
  const partOfAYen = /[1-9]/.test(fraction.slice(places));
  if (sign === '-' && (partOfAYen || /[1-9]/.test(digits))) return fail('negative_amount', `"${raw}" is negative; amounts of yen cannot be`);
  const yen = wholeYen(raw, digits);
  if (!yen.ok) return yen;
  if (partOfAYen) return fail('invalid_amount', `"${raw}" is not a whole number of yen`);
  return yen;
}

const PREFECTURES: readonly (readonly [name: string, romaji: string])[] = [
  ['北海道', 'Hokkaido'], ['青森県', 'Aomori'], ['岩手県', 'Iwate'], ['宮城県', 'Miyagi'], ['秋田県', 'Akita'], ['山形県', 'Yamagata'],
  ['福島県', 'Fukushima'], ['茨城県', 'Ibaraki'], ['栃木県', 'Tochigi'], ['群馬県', 'Gunma'], ['埼玉県', 'Saitama'], ['千葉県', 'Chiba'],
  ['東京都', 'Tokyo'], ['神奈川県', 'Kanagawa'], ['新潟県', 'Niigata'], ['富山県', 'Toyama'], ['石川県', 'Ishikawa'], ['福井県', 'Fukui'],
  ['山梨県', 'Yamanashi'], ['長野県', 'Nagano'], ['岐阜県', 'Gifu'], ['静岡県', 'Shizuoka'], ['愛知県', 'Aichi'], ['三重県', 'Mie'],
  ['滋賀県', 'Shiga'], ['京都府', 'Kyoto'], ['大阪府', 'Osaka'], ['兵庫県', 'Hyogo'], ['奈良県', 'Nara'], ['和歌山県', 'Wakayama'],
  ['鳥取県', 'Tottori'], ['島根県', 'Shimane'], ['岡山県', 'Okayama'], ['広島県', 'Hiroshima'], ['山口県', 'Yamaguchi'], ['徳島県', 'Tokushima'],
  ['香川県', 'Kagawa'], ['愛媛県', 'Ehime'], ['高知県', 'Kochi'], ['福岡県', 'Fukuoka'], ['佐賀県', 'Saga'], ['長崎県', 'Nagasaki'],
  ['熊本県', 'Kumamoto'], ['大分県', 'Oita'], ['宮崎県', 'Miyazaki'], ['鹿児島県', 'Kagoshima'], ['沖縄県', 'Okinawa'],
];

const PREFECTURE_CODES = new Map<string, string>();
PREFECTURES.forEach(([name, romaji], index) => {
  const code = String(index + 1).padStart(2, '0');
  PREFECTURE_CODES.set(name, code);
  PREFECTURE_CODES.set(romaji.toLowerCase(), code);
  // 東京 for 東京都, 大阪 for 大阪府…; 北海道 keeps its 道.
  if (name !== '北海道') PREFECTURE_CODES.set(name.slice(0, -1), code);
});

/** JIS prefecture code (01–47) from a code (13, 1, 01), a name (東京都, 東京) or its romaji (Tokyo). */
export function prefectureCode(raw: string): Normalised<string> {
  const text = normaliseText(raw);
  if (text === '') return fail('missing_prefecture', 'is empty');
  if (/^\d{1,2}$/.test(text)) {
    const number = Number(text);
    return number >= 1 && number <= 47 ? ok(String(number).padStart(2, '0')) : fail('invalid_prefecture', `"${raw}" is not a JIS prefecture code 01–47`);
  }
  const code = PREFECTURE_CODES.get(text) ?? PREFECTURE_CODES.get(text.toLowerCase());
  return code ? ok(code) : fail('invalid_prefecture', `"${raw}" is not a prefecture name or JIS code (e.g. 東京都, 東京, Tokyo or 13)`);
}
