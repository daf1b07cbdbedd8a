/**
 * Distinct firms behind a set of units, for disclosure control: a cell of an effect study is published only
 * when enough firms stand behind it (governance/disclosure.md), and a firm that leads several projects, runs
 * many sites or is a member of several consortia is one firm however many units it has. A unit's firms are
 * its applicant (the firm itself, a project's lead applicant or a site's operator) and a project's consortium
 * members, as integer codes.
 */

/** The firms of a unit as integer codes; undefined when the unit is unknown. */
export type FirmsOfUnit = (unitId: string) => ArrayLike<number> | undefined;

/** The firms of each unit, packed for a worker thread: unit i's firm codes are firms[offsets[i]] … firms[offsets[i + 1] − 1]. */
export interface PackedUnitFirms {
  readonly offsets: Int32Array;
  readonly firms: Int32Array;
}

export function unpackUnitFirms(units: readonly string[], packed: PackedUnitFirms): FirmsOfUnit {
  const index = new Map(units.map((unit, i) => [unit, i]));
  return (unitId) => {
    const i = index.get(unitId);
    return i === undefined ? undefined : packed.firms.subarray(packed.offsets[i], packed.offsets[i + 1]);
  };
}

/**
 * Counts the distinct firms of sets of units; null when the firms are not known (the caller then falls back to
 * units). Firm codes are small non-negative integers (packUnitFirms numbers them densely), so a count marks each
 * firm in an array by the count's own stamp instead of filling a Set: nothing is cleared between counts, and at
 * 100,000 units the counts of an effect study took 0.35 s with a Set.
 */
export class FirmCounter {
  /** For each firm code, the stamp of the last count that met it. */
  private lastCounted = new Int32Array(1024);
  private stamp = 0;

  constructor(private readonly firmsOf: FirmsOfUnit | undefined) {}

  get known(): boolean {
    return this.firmsOf !== undefined;
  }

  count(units: Iterable<string>): number | null {
    return this.firmsOf ? this.countDistinct(this.firmsOf, [units]) : null;
  }

  /** The firms behind the union of some cohorts' units, each cohort given by its units. */
  ofCohorts(unitsByCohort: ReadonlyMap<number, Iterable<string>>, cohorts: Iterable<number>): number | null {
    if (!this.firmsOf) return null;
    return this.countDistinct(this.firmsOf, [...new Set(cohorts)].map((cohort) => unitsByCohort.get(cohort) ?? []));
  }

  private countDistinct(firmsOf: FirmsOfUnit, unitSets: Iterable<Iterable<string>>): number {
    // The stamps would wrap after 2^31 − 1 counts (a study makes a few dozen): start again from clean marks.
    if (this.stamp === 0x7fffffff) {
      this.lastCounted.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    let distinct = 0;
    for (const units of unitSets) {
      for (const unit of units) {
        const firms = firmsOf(unit);
        if (firms === undefined) continue;
        for (let i = 0; i < firms.length; i++) {
          const code = firms[i];
          if (code >= this.lastCounted.length || code < 0 || !Number.isInteger(code)) this.makeRoomFor(code);
          if (this.lastCounted[code] !== stamp) {
            this.lastCounted[code] = stamp;
            distinct++;
          }
        }
      }
    }
    return distinct;
  }

  private makeRoomFor(code: number): void {
    if (code < 0 || !Number.isSafeInteger(code)) throw new RangeError(`firm code ${code} is not a non-negative integer; firms are counted by the dense codes packUnitFirms gives`);
    const grown = new Int32Array(Math.max(code + 1, this.lastCounted.length * 2));
    grown.set(this.lastCounted);
    this.lastCounted = grown;
  }
}
