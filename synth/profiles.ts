/**
 * The profile a programme's synthetic data are drawn from: what its catalogue file declares (syntheticProfile),
 * with everything it leaves out derived from its declared fields (synth/default-profile.ts).
 */
import { fileDeclaration } from '../programmes/file-declaration.js';
import type { ProgrammeFile } from '../schemas/catalogue.js';
import type { DeclaredSyntheticProfile, EffectKind, MeasureProfile } from '../schemas/synthetic-profile.js';
import { defaultProfile } from './default-profile.js';

export type { EffectKind, MeasureProfile } from '../schemas/synthetic-profile.js';

export interface SyntheticProfile {
  readonly applicants: number;
  readonly awardShare: number;
  readonly effectKind: EffectKind;
  readonly attritionShare: number;
  readonly employeesMedian: number;
  readonly unitsPerFirm: number;
  readonly maxConsortiumMembers: number;
  readonly seed: number;
  /** Every outcome measure the programme declares. */
  readonly measures: Readonly<Record<string, MeasureProfile>>;
}

export interface ResolvedProfile {
  readonly profile: SyntheticProfile;
  /** What the catalogue file does not declare and was derived (profile fields, and measures as measures.NAME). */
  readonly derived: readonly string[];
}

const SCALARS = ['applicants', 'awardShare', 'effectKind', 'attritionShare', 'employeesMedian', 'unitsPerFirm', 'maxConsortiumMembers', 'seed'] as const;

export function profileOf(programme: ProgrammeFile): ResolvedProfile {
  const measures = fileDeclaration(programme, 'outcomes').measures;
  const defaults = defaultProfile(programme, measures);
  const declared: Partial<DeclaredSyntheticProfile> = programme.syntheticProfile ?? {};
  const derived = [
    ...SCALARS.filter((key) => declared[key] === undefined),
    ...measures.filter((measure) => !declared.measures?.[measure.name]).map((measure) => `measures.${measure.name}`),
  ];
  const scalars = Object.fromEntries(SCALARS.map((key) => [key, declared[key] ?? defaults[key]])) as Omit<SyntheticProfile, 'measures'>;
  return {
    profile: { ...scalars, measures: Object.fromEntries(measures.map((measure) => [measure.name, declared.measures?.[measure.name] ?? defaults.measures[measure.name]])) },
    derived,
  };
}
