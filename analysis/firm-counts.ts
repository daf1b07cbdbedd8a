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

/**
 * The packed firms looked up by unit id. The map of ids is made at the first lookup: an effect job whose outcomes are
 * all staggered DiD counts its firms by unit index (selectUnitFirms) and never asks by id, and at 1,000,000 units the
 * map and the lookups through it took about 0.8 s of the job's thread (a CPU profile) and held about 30 MB that every
 * full garbage collection there marked again (a heap snapshot; bench/README.md, the section of 2026-12-07 from 13:17 UTC).
 */
export function unpackUnitFirms(units: readonly string[], packed: PackedUnitFirms): FirmsOfUnit {
  let index: Map<string, number> | undefined;
  return (unitId) => {
    index ??= new Map(units.map((unit, i) => [unit, i]));
    const i = index.get(unitId);
    return i === undefined ? undefined : packed.firms.subarray(packed.offsets[i], packed.offsets[i + 1]);
  };
}

/** A unit asked for that the packed firms do not hold. */
export class PackedUnitRangeError extends RangeError {
  constructor(
    readonly unit: number,
    readonly packedUnits: number,
  ) {
    super(`unit ${unit} is not one of the ${packedUnits} packed units; select units by their index in the packing, from 0 to ${packedUnits - 1}`);
    this.name = 'PackedUnitRangeError';
  }
}

/** The firms of some of the packed units, packed in the order given: `units[i]` is the packed unit that becomes unit i. */
export function selectUnitFirms(packed: PackedUnitFirms, units: Int32Array): PackedUnitFirms {
  const offsets = new Int32Array(units.length + 1);
  for (let i = 0; i < units.length; i++) {
    const unit = units[i];
    if (!(unit >= 0 && unit < packed.offsets.length - 1)) throw new PackedUnitRangeError(unit, packed.offsets.length - 1);
    offsets[i + 1] = offsets[i] + packed.offsets[unit + 1] - packed.offsets[unit];
  }
  const firms = new Int32Array(offsets[units.length]);
  for (let i = 0; i < units.length; i++) firms.set(packed.firms.subarray(packed.offsets[units[i]], packed.offsets[units[i] + 1]), offsets[i]);
  return { offsets, firms };
}

/**
 * Marks firm codes, each count by its own stamp: firm codes are small non-negative integers (codeRunFirms numbers
 * them densely), so a count marks each firm in an array instead of filling a Set, and nothing is cleared between
 * counts (at 100,000 units the counts of an effect study took 0.35 s with a Set).
 */
class FirmMarks {
  /** For each firm code, the stamp of the last count that met it. */
  private lastCounted = new Int32Array(1024);
  private stamp = 0;

  /** Starts a count. */
  begin(): void {
    // The stamps would wrap after 2^31 − 1 counts (a study makes a few dozen): start again from clean marks.
    if (this.stamp === 0x7fffffff) {
      this.lastCounted.fill(0);
      this.stamp = 0;
    }
    this.stamp++;
  }

  /** Whether the count has not met this firm before (and it has now). */
  isNew(code: number): boolean {
    if (code >= this.lastCounted.length || code < 0 || !Number.isInteger(code)) this.makeRoomFor(code);
    if (this.lastCounted[code] === this.stamp) return false;
    this.lastCounted[code] = this.stamp;
    return true;
  }

  private makeRoomFor(code: number): void {
    assertFirmCode(code);
    const grown = new Int32Array(Math.max(code + 1, this.lastCounted.length * 2));
    grown.set(this.lastCounted);
    this.lastCounted = grown;
  }
}

/**
 * Counts the distinct firms of sets of units named by their ids; null when the firms are not known (the caller then
 * falls back to units).
 */
export class FirmCounter {
  private readonly marks = new FirmMarks();

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
    this.marks.begin();
    let distinct = 0;
    for (const units of unitSets) {
      for (const unit of units) {
        const firms = firmsOf(unit);
        if (firms === undefined) continue;
        for (let i = 0; i < firms.length; i++) if (this.marks.isNew(firms[i])) distinct++;
      }
    }
    return distinct;
  }
}

/**
 * Counts the distinct firms of sets of units named by indices, each index's firms packed in typed arrays: no
 * lookup by id and no view made per unit and count (at 1,000,000 units an effect study's counts by id took 4 s).
 */
export class IndexedFirmCounter {
  private readonly marks = new FirmMarks();

  constructor(private readonly packed: PackedUnitFirms | undefined) {}

  /** Units given by their ids, packed in that order of indices; no firms known (counts null) when `firmsOf` is absent. */
  static of(ids: readonly string[], firmsOf: FirmsOfUnit | undefined): IndexedFirmCounter {
    return new IndexedFirmCounter(firmsOf ? packFirmsOfIds(ids, firmsOf) : undefined);
  }

  count(units: ArrayLike<number>): number | null {
    return this.packed ? this.countDistinct(this.packed, [units]) : null;
  }

  /** The firms behind the union of some cohorts' units, each cohort given by its units' indices. */
  ofCohorts(unitsByCohort: ReadonlyMap<number, ArrayLike<number>>, cohorts: Iterable<number>): number | null {
    if (!this.packed) return null;
    return this.countDistinct(this.packed, [...new Set(cohorts)].map((cohort) => unitsByCohort.get(cohort) ?? []));
  }

  private countDistinct({ offsets, firms }: PackedUnitFirms, unitSets: readonly ArrayLike<number>[]): number {
    this.marks.begin();
    let distinct = 0;
    for (const units of unitSets) {
      for (let u = 0; u < units.length; u++) {
        const unit = units[u];
        for (let i = offsets[unit]; i < offsets[unit + 1]; i++) if (this.marks.isNew(firms[i])) distinct++;
      }
    }
    return distinct;
  }
}

/** Each id's firms, packed in the order of `ids` (an unknown id has none). */
function packFirmsOfIds(ids: readonly string[], firmsOf: FirmsOfUnit): PackedUnitFirms {
  const offsets = new Int32Array(ids.length + 1);
  let firms = new Int32Array(Math.max(16, ids.length));
  let filled = 0;
  ids.forEach((id, index) => {
    const ofUnit = firmsOf(id) ?? [];
    if (filled + ofUnit.length > firms.length) {
      const grown = new Int32Array(Math.max(filled + ofUnit.length, firms.length * 2));
      grown.set(firms);
      firms = grown;
    }
    for (let i = 0; i < ofUnit.length; i++) {
      // Checked here: an Int32Array would quietly truncate a code that is not a non-negative integer.
      if (ofUnit[i] < 0 || !Number.isInteger(ofUnit[i]) || ofUnit[i] > 0x7fffffff) assertFirmCode(ofUnit[i]);
      firms[filled++] = ofUnit[i];
    }
    offsets[index + 1] = filled;
  });
  return { offsets, firms: firms.subarray(0, filled) };
}

function assertFirmCode(code: number): void {
  if (code < 0 || !Number.isSafeInteger(code) || code > 0x7fffffff) throw new RangeError(`firm code ${code} is not an integer from 0 to 2,147,483,647; firms are counted by the dense codes codeRunFirms gives (analysis/run-firm-codes.ts)`);
}
