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
 */
export function codeRunFirms(
  panel: { readonly applications: readonly { readonly corporateNumber: string }[]; readonly units: readonly string[] },
  unitMembers: ReadonlyMap<string, readonly string[]>,
): RunFirmCodes {
  const firmCodes = new DenseCodes();
  const ofApplication = new Int32Array(panel.applications.length);
  for (let row = 0; row < ofApplication.length; row++) ofApplication[row] = firmCodes.code(panel.applications[row].corporateNumber);
  const unitIndex = unitIndexForMembers(panel.units, unitMembers);
  const membersOfUnit = new Map<number, number[]>();
  for (const [unitId, members] of unitMembers) {
    const codes = members.map((member) => firmCodes.code(member));
    const unit = unitIndex.get(unitId);
    if (unit !== undefined) membersOfUnit.set(unit, codes);
  }
  return { ofApplication, membersOfUnit };
}
