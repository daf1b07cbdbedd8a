import { describe, expect, it } from 'vitest';
import { normaliseText, parseFiscalYear, parseJapaneseDate, parseYenAmount, prefectureCode } from '../ingest/validating/normalise.js';

describe('normalising Japanese input values', () => {
  it('folds full-width characters with NFKC and trims', () => {
    expect(normaliseText('　１２３ＡＢＣ ')).toBe('123ABC');
    expect(normaliseText('\t2024-04-01\r')).toBe('2024-04-01');
    expect(normaliseText('ｶﾌﾞｼｷｶﾞｲｼｬ ①')).toBe('カブシキガイシャ 1');
  });

  it('leaves printable ASCII as it is, inner spaces included', () => {
    expect(normaliseText('7100000000000')).toBe('7100000000000');
    expect(normaliseText('Tokyo Sangyo K.K.')).toBe('Tokyo Sangyo K.K.');
    expect(normaliseText('~!@#$%^&*()_+{}|:"<>?')).toBe('~!@#$%^&*()_+{}|:"<>?');
  });

  it('reads ISO, slashed and 和暦 dates as ISO dates', () => {
    const cases: [string, string][] = [
      ['2024-04-01', '2024-04-01'],
      ['2024/4/1', '2024-04-01'],
      ['２０２４年４月１日', '2024-04-01'],
      ['令和6年4月1日', '2024-04-01'],
      ['令和元年5月1日', '2019-05-01'],
      ['R6.4.1', '2024-04-01'],
      ['r6/4/1', '2024-04-01'],
      ['H31.4.30', '2019-04-30'],
      ['平成元年1月8日', '1989-01-08'],
    ];
    for (const [raw, iso] of cases) expect(parseJapaneseDate(raw), raw).toEqual({ ok: true, value: iso });
  });

  it('refuses 令和0年, 2月30日, dates outside their era and other text, saying why', () => {
    expect(parseJapaneseDate('令和0年4月1日')).toMatchObject({ ok: false, reason: 'invalid_date', message: expect.stringContaining('元年') });
    expect(parseJapaneseDate('2024年2月30日')).toMatchObject({ ok: false, reason: 'invalid_date' });
    expect(parseJapaneseDate('H31.5.1')).toMatchObject({ ok: false, reason: 'date_outside_era' });
    expect(parseJapaneseDate('来年の春')).toMatchObject({ ok: false, reason: 'invalid_date' });
  });

  it('reads YYYY-MM-DD as the slashed form of the same date is read, for every month and day of four centuries', () => {
    // YYYY-MM-DD has a reading of its own, without regular expressions; YYYY/MM/DD goes the general way.
    const differences: string[] = [];
    let read = 0;
    for (let year = 1899; year <= 2301; year++) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const [y, m, d] = [String(year), String(month).padStart(2, '0'), String(day).padStart(2, '0')];
          const plain = parseJapaneseDate(`${y}-${m}-${d}`);
          const general = parseJapaneseDate(`${y}/${m}/${d}`);
          const same = plain.ok && general.ok ? plain.value === general.value : !plain.ok && !general.ok && plain.reason === general.reason;
          if (!same) differences.push(`${y}-${m}-${d}: ${JSON.stringify(plain)} against ${JSON.stringify(general)}`);
          // And against JavaScript's own calendar: the date is read when Date.UTC gives back the same year, month and day.
          const date = new Date(Date.UTC(year, month - 1, day));
          const inCalendar = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
          if (plain.ok !== inCalendar) differences.push(`${y}-${m}-${d}: read ${String(plain.ok)}, Date.UTC ${String(inCalendar)}`);
          if (plain.ok) read++;
        }
      }
    }
    expect(differences).toEqual([]);
    // 403 years of 365 days, and 97 leap days (1900, 2100, 2200 and 2300 have none; 2000 has one).
    expect(read).toBe(403 * 365 + 97);
    expect(parseJapaneseDate('2024-02-29')).toEqual({ ok: true, value: '2024-02-29' });
    expect(parseJapaneseDate('0400-02-29')).toEqual({ ok: true, value: '0400-02-29' });
    expect(parseJapaneseDate('0100-02-29')).toMatchObject({ ok: false, reason: 'invalid_date' });
    expect(parseJapaneseDate('9999-12-31')).toEqual({ ok: true, value: '9999-12-31' });
    expect(parseJapaneseDate('2100-02-29')).toMatchObject({ ok: false, reason: 'invalid_date', message: '"2100-02-29" is not a calendar date' });
    // Years below 100 are refused, as the general reading refuses them.
    expect(parseJapaneseDate('0050-01-01')).toMatchObject({ ok: false, reason: 'invalid_date' });
  });

  it('reads four plain digits as the same digits followed by 年度 are read', () => {
    for (const year of ['0000', '0999', '1990', '2021', '9999']) {
      expect(parseFiscalYear(year), year).toEqual(parseFiscalYear(`${year}年度`));
      expect(parseFiscalYear(year), year).toEqual({ ok: true, value: Number(year) });
    }
  });

  it('reads plain digits as the same digits followed by 円 are read', () => {
    for (const digits of ['0', '7', '007', '6500000', '13000000', '999999999999999', '9007199254740991']) {
      expect(parseYenAmount(digits), digits).toEqual(parseYenAmount(`${digits}円`));
      expect(parseYenAmount(digits), digits).toEqual({ ok: true, value: Number(digits) });
    }
  });

  it('reads amounts with a unit exactly, moving the decimal point rather than multiplying', () => {
    const exact: [string, number][] = [
      ['128.2億円', 12_820_000_000],
      ['128.02億円', 12_802_000_000],
      ['16384.1百万円', 16_384_100_000],
      ['12.3400万円', 123_400],
      ['9007199254740.991千円', 9_007_199_254_740_991],
      ['9007199254.740991百万円', Number.MAX_SAFE_INTEGER],
    ];
    for (const [written, yen] of exact) expect(parseYenAmount(written), written).toEqual({ ok: true, value: yen });
    expect(parseYenAmount('1.0001千円')).toMatchObject({ ok: false, reason: 'invalid_amount', message: '"1.0001千円" is not a whole number of yen' });
    expect(parseYenAmount('9007199254740991.4')).toMatchObject({ ok: false, reason: 'invalid_amount' });
    expect(parseYenAmount('-0.5円')).toMatchObject({ ok: false, reason: 'negative_amount' });
    expect(parseYenAmount('-0')).toEqual({ ok: true, value: 0 });
    // Against exact integer arithmetic, on seeded random amounts of 1–12 digits with 0–9 decimals and every unit.
    const places: Readonly<Record<string, number>> = { '': 0, 円: 0, 千円: 3, 万円: 4, 百万円: 6, 億円: 8 };
    let seed = 12345;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const differences: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const whole = String(next(10 ** (1 + next(9))));
      const decimals = next(10);
      const fraction = Array.from({ length: decimals }, () => (next(3) === 0 ? String(next(10)) : '0')).join('');
      const unit = Object.keys(places)[next(6)];
      const written = `${whole}${decimals ? `.${fraction}` : ''}${unit}`;
      const scaled = BigInt(`${whole}${fraction}`) * 10n ** BigInt(places[unit]);
      const divisor = 10n ** BigInt(decimals);
      // Too large is said first: an amount both too large and fractional is refused for its size.
      const expected = scaled / divisor > BigInt(Number.MAX_SAFE_INTEGER) ? 'too large' : scaled % divisor !== 0n ? 'not whole' : Number(scaled / divisor);
      const result = parseYenAmount(written);
      const got = result.ok ? result.value : result.reason === 'invalid_amount' ? 'not whole' : result.reason === 'amount_too_large' ? 'too large' : result.reason;
      if (got !== expected) differences.push(`${written}: ${String(got)} against ${String(expected)}`);
    }
    expect(differences).toEqual([]);
  });

  it('refuses amounts above 2^53 − 1 yen however they are written, naming the limit', () => {
    for (const raw of ['9007199254740992', '12345678901234567890', '1'.repeat(400), '9,007,199,254,740,992', '100000000億円', `${'9'.repeat(400)}.5`]) {
      expect(parseYenAmount(raw), raw).toMatchObject({ ok: false, reason: 'amount_too_large', message: expect.stringContaining('9,007,199,254,740,991') });
    }
    expect(parseYenAmount('90071992.54740993億円')).toMatchObject({ ok: false, reason: 'amount_too_large' });
    expect(parseYenAmount('9,007,199,254,740,991')).toEqual({ ok: true, value: Number.MAX_SAFE_INTEGER });
  });

  it('reads yen amounts with commas and units as whole yen, refusing negative ones', () => {
    expect(parseYenAmount('1,234,567')).toEqual({ ok: true, value: 1_234_567 });
    expect(parseYenAmount('￥１，０００')).toEqual({ ok: true, value: 1_000 });
    expect(parseYenAmount('1,234千円')).toEqual({ ok: true, value: 1_234_000 });
    expect(parseYenAmount('1.5百万円')).toEqual({ ok: true, value: 1_500_000 });
    expect(parseYenAmount('12万円')).toEqual({ ok: true, value: 120_000 });
    expect(parseYenAmount('3億円')).toEqual({ ok: true, value: 300_000_000 });
    expect(parseYenAmount('-500')).toMatchObject({ ok: false, reason: 'negative_amount' });
    expect(parseYenAmount('1.5円')).toMatchObject({ ok: false, reason: 'invalid_amount' });
    expect(parseYenAmount('約100万')).toMatchObject({ ok: false, reason: 'invalid_amount' });
  });

  it('maps prefecture names, short names, romaji and codes to JIS codes', () => {
    for (const raw of ['東京都', '東京', 'Tokyo', '13', '１３']) expect(prefectureCode(raw), raw).toEqual({ ok: true, value: '13' });
    expect(prefectureCode('北海道')).toEqual({ ok: true, value: '01' });
    expect(prefectureCode('1')).toEqual({ ok: true, value: '01' });
    expect(prefectureCode('沖縄県')).toEqual({ ok: true, value: '47' });
    expect(prefectureCode('48')).toMatchObject({ ok: false, reason: 'invalid_prefecture' });
    expect(prefectureCode('東京県')).toMatchObject({ ok: false, reason: 'invalid_prefecture' });
  });

  it('reads fiscal years as 2021, 2021年度, FY2021, 令和3年度, 令和元年度 and R3, and shows a value it cannot read', () => {
    const cases: [string, number][] = [
      ['2021', 2021],
      ['2021年度', 2021],
      ['FY2021', 2021],
      ['fy 2021', 2021],
      ['令和3年度', 2021],
      ['令和元年度', 2019],
      ['R3', 2021],
      ['Ｒ３年度', 2021],
      ['平成30年度', 2018],
      ['H30', 2018],
    ];
    for (const [raw, year] of cases) expect(parseFiscalYear(raw), raw).toEqual({ ok: true, value: year });
    expect(parseFiscalYear('令和三年度')).toMatchObject({ ok: false, message: expect.stringContaining('"令和三年度"') });
    expect(parseFiscalYear('R0')).toMatchObject({ ok: false, message: expect.stringContaining('元年') });
  });
});
