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

/** Counts the distinct firms of sets of units; null when the firms are not known (the caller then falls back to units). */
export class FirmCounter {
  constructor(private readonly firmsOf: FirmsOfUnit | undefined) {}

  get known(): boolean {
    return this.firmsOf !== undefined;
  }

  count(units: Iterable<string>): number | null {
    if (!this.firmsOf) return null;
    const seen = new Set<number>();
    for (const unit of units) {
      const firms = this.firmsOf(unit);
      if (firms === undefined) continue;
      for (let i = 0; i < firms.length; i++) seen.add(firms[i]);
    }
    return seen.size;
  }

  /** The firms behind the union of some cohorts' units, each cohort given by its units. */
  ofCohorts(unitsByCohort: ReadonlyMap<number, Iterable<string>>, cohorts: Iterable<number>): number | null {
    if (!this.firmsOf) return null;
    const chosen = [...new Set(cohorts)];
    return this.count(chosen.flatMap((cohort) => [...(unitsByCohort.get(cohort) ?? [])]));
  }
}
