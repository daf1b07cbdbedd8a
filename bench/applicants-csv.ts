/** A seeded, valid applicant CSV of any size for the ingest benchmark (one row per firm). */
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import { SeededRandom } from '../stats/random.js';
import { writeCsvLines } from './csv-lines.js';

export function writeApplicantsCsv(path: string, rows: number, seed: number): Promise<void> {
  const random = new SeededRandom(seed);
  return writeCsvLines(path, APPLICANT_COLUMNS.join(','), rows, (i) => {
    const awarded = random.uniform() < 0.5;
    const round = 1 + (i % 3);
    const requested = 1_000_000 * random.integerBetween(3, 15);
    return (
      `${withCheckDigit(String(100_000_000_000 + i))},合成データ株式会社${i},${round},202${round}-07-15,${awarded ? 'awarded' : 'rejected'},` +
      `${awarded ? 2020 + round : ''},${awarded ? requested / 2 : ''},${requested},E,${String(1 + (i % 47)).padStart(2, '0')},${random.integerBetween(1, 300)},true\n`
    );
  });
}
