/**
 * The synthetic profile of a programme whose catalogue file declares none (or only part of one), derived from
 * what it does declare: its unit of analysis sets how many units apply and the firms behind them, its planned
 * call (when declared) the applicants and the award share, its study spec the least number of units a study
 * needs and which measures the award moves, and each outcome measure's type, unit and range where its values
 * lie. Every figure is invented; the manifest of the generated data records them and the true effects.
 */
import type { MeasureDeclaration } from '../programmes/file-declaration.js';
import type { ProgrammeFile } from '../schemas/catalogue.js';
import { designOf } from '../schemas/study-spec.js';
import type { MeasureProfile } from '../schemas/synthetic-profile.js';
import type { UnitOfAnalysis } from '../schemas/unit-of-analysis.js';
import type { SyntheticProfile } from './profiles.js';

export const DERIVED_PROVENANCE = 'synthetic: derived by ebpm generate from the declared fields (README, "Synthetic profiles")';

/** How many apply and who is behind the units, by unit of analysis. */
export const UNIT_DEFAULTS = {
  firm: { applicants: 600, employeesMedian: 50, unitsPerFirm: 1, maxConsortiumMembers: 0 },
  project: { applicants: 150, employeesMedian: 200, unitsPerFirm: 1.2, maxConsortiumMembers: 2 },
  site: { applicants: 600, employeesMedian: 10, unitsPerFirm: 4, maxConsortiumMembers: 0 },
} as const satisfies Record<UnitOfAnalysis, { applicants: number; employeesMedian: number; unitsPerFirm: number; maxConsortiumMembers: number }>;

/** Applicants when the spec estimates by synthetic DiD, a design for few awarded units. */
export const SYNTHETIC_DID_APPLICANTS = 60;
export const DEFAULT_AWARD_SHARE = 0.5;
/** Applicants beyond the spec's minimum awarded and comparison units, so that a study is not refused by chance. */
const MINIMUM_MARGIN = 1.5;

/** The seed of a programme: a hash of its id (FNV-1a), so that each programme gets its own, reproducibly. */
export function seedOf(programmeId: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(programmeId)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/**
 * A measure around the middle of its range: a percentage without a declared range lies in 0–100. Bounded: mean in
 * the middle, units spread a tenth of the range, yearly noise a twentieth, no trend. Unbounded above: mean five
 * unit spreads above the floor (0 when none is declared), spread 5 for whole numbers and 20 otherwise, noise half
 * the spread, trend a tenth of it. A measure the study spec estimates gets an effect of one yearly-noise SD.
 */
export function defaultMeasureProfile(declared: MeasureDeclaration, estimated: boolean): MeasureProfile {
  const percent = declared.unit !== undefined && /^[%％]$/.test(declared.unit.trim());
  const low = declared.min ?? (percent ? 0 : undefined);
  const high = declared.max ?? (percent ? 100 : undefined);
  if (low !== undefined && high !== undefined) {
    const width = high - low;
    return { firstYearMean: low + width / 2, spreadBetweenUnits: width / 10, trendPerYear: 0, yearlyNoise: width / 20, effectOfAward: estimated ? width / 20 : 0, provenance: DERIVED_PROVENANCE };
  }
  const spread = declared.type === 'integer' ? 5 : 20;
  const firstYearMean = high !== undefined ? high - 5 * spread : (low ?? 0) + 5 * spread;
  return {
    firstYearMean,
    spreadBetweenUnits: spread,
    trendPerYear: high !== undefined ? 0 : spread / 10,
    yearlyNoise: spread / 2,
    effectOfAward: estimated ? spread / 2 : 0,
    provenance: DERIVED_PROVENANCE,
  };
}

/** The whole profile derived from the declaration, measures included. */
export function defaultProfile(programme: ProgrammeFile, measures: readonly MeasureDeclaration[]): SyntheticProfile {
  const unit = UNIT_DEFAULTS[programme.unitOfAnalysis];
  const spec = programme.studySpecs[programme.studySpecs.length - 1];
  const awardShare = programme.plannedCall?.awardShare ?? DEFAULT_AWARD_SHARE;
  const bySyntheticDid = spec.outcomes.some((outcome) => designOf(spec, outcome).design === 'synthetic_did');
  const planned = programme.plannedCall?.expectedApplicants ?? (bySyntheticDid ? SYNTHETIC_DID_APPLICANTS : unit.applicants);
  const applicants = Math.max(
    planned,
    Math.ceil((MINIMUM_MARGIN * spec.minimumTreatedUnits) / awardShare),
    Math.ceil((MINIMUM_MARGIN * spec.minimumComparisonUnits) / (1 - awardShare)),
  );
  return {
    applicants,
    awardShare,
    effectKind: 'constant',
    attritionShare: 0,
    employeesMedian: unit.employeesMedian,
    unitsPerFirm: unit.unitsPerFirm,
    maxConsortiumMembers: programme.unitOfAnalysis === 'project' ? unit.maxConsortiumMembers : 0,
    seed: seedOf(programme.id),
    measures: Object.fromEntries(measures.map((declared) => [declared.name, defaultMeasureProfile(declared, spec.outcomes.includes(declared.name))])),
  };
}
