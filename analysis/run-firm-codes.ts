/** The firms behind a run's units as dense integer codes, made once from the run's read (activities/analysis-data.ts). */
import { DenseCodes } from './dense-codes.js';

/**
 * Each unit's index in `units`, to place consortium members by: empty when there are no members (only projects have
 * them), so that a programme of a million firms builds no map of a million ids it would never consult.
 */
function unitIndexForMembers(units: readonly string[], members: ReadonlyMap<string, readonly string[]>): ReadonlyMap<string, number> {
  return members.size > 0 ? new Map(units.map((unitId, index) => [unitId, index])) : new Map();
}

/**
 * The firms behind a run's units as dense codes (0, 1, 2, … in the order first met: the applications' firms, then the
 * consortium members), for the two steps that count firms: the KPIs and the effect study's disclosure counts. Only
 * their number matters to either, so the codes are made once per read rather than by each step (at 1,000,000
 * applications a CPU profile put 1.7 s of the worker's main thread in the two steps' codings together).
 */
export interface RunFirmCodes {
  /** Each application's firm (its 法人番号), in the order of the panel's applications. */
  readonly ofApplication: Int32Array;
  /** The consortium members of each unit that has any (projects only), by the unit's index in the panel's units. */
  readonly membersOfUnit: ReadonlyMap<number, readonly number[]>;
}

/**
 * Codes the applications' firms, then the consortium members unit by unit. A member of a unit the panel does not hold
 * (no consenting application) is coded but placed nowhere, as that unit is left out.
 *
 * The read gives each application's firm as its index among the ids it met (`applicationFirmIds`, an index per distinct
 * id): the codes are then made from those integers, with no map of a million ids (0.9–1.2 s of the read's thread at
 * 1,000,000 applications, in CPU profiles of 2026-12-07). A map of the firms' ids is made only when there are members
 * to code after them (projects, whose programmes have few applications). The codes are the same either way.
 */
export function codeRunFirms(
  panel: { readonly applications: readonly { readonly corporateNumber: string }[]; readonly units: readonly string[]; readonly applicationFirmIds?: Int32Array },
  unitMembers: ReadonlyMap<string, readonly string[]>,
): RunFirmCodes {
  if (panel.applicationFirmIds && panel.applicationFirmIds.length !== panel.applications.length) {
    throw new RangeError(`the read gave ${panel.applicationFirmIds.length} firm ids for ${panel.applications.length} applications; a panel whose applications were filtered must leave out applicationFirmIds`);
  }
  const firmCodes = new DenseCodes();
  let ofApplication: Int32Array;
  if (panel.applicationFirmIds && unitMembers.size === 0) ofApplication = codesInOrderMet(panel.applicationFirmIds);
  else {
    ofApplication = new Int32Array(panel.applications.length);
    for (let row = 0; row < ofApplication.length; row++) ofApplication[row] = firmCodes.code(panel.applications[row].corporateNumber);
  }
  const unitIndex = unitIndexForMembers(panel.units, unitMembers);
  const membersOfUnit = new Map<number, number[]>();
  for (const [unitId, members] of unitMembers) {
    const codes = members.map((member) => firmCodes.code(member));
    const unit = unitIndex.get(unitId);
    if (unit !== undefined) membersOfUnit.set(unit, codes);
  }
  return { ofApplication, membersOfUnit };
}

/** Dense codes of non-negative integers: 0, 1, 2, … in the order each is first met. */
export function codesInOrderMet(ids: Int32Array): Int32Array {
  let largest = -1;
  for (let row = 0; row < ids.length; row++) {
    if (ids[row] < 0) throw new RangeError(`an id index is a whole number of at least 0, not ${ids[row]} (row ${row})`);
    if (ids[row] > largest) largest = ids[row];
  }
  const codeOfId = new Int32Array(largest + 1).fill(-1);
  const codes = new Int32Array(ids.length);
  let next = 0;
  for (let row = 0; row < ids.length; row++) {
    let code = codeOfId[ids[row]];
    if (code < 0) code = codeOfId[ids[row]] = next++;
    codes[row] = code;
  }
  return codes;
}
