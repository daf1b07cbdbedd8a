import { programmeSchema, type Programme } from './programme.js';
import { smeLabourSaving } from './sme-labour-saving.js';

const PROGRAMMES: readonly Programme[] = [smeLabourSaving].map((programme) => programmeSchema.parse(programme));

export class UnknownProgrammeError extends Error {
  constructor(readonly programmeId: string) {
    super(`unknown programme "${programmeId}"; known programmes: ${PROGRAMMES.map((p) => p.id).join(', ')}`);
    this.name = 'UnknownProgrammeError';
  }
}

export function listProgrammes(): readonly Programme[] {
  return PROGRAMMES;
}

export function getProgramme(programmeId: string): Programme {
  const programme = PROGRAMMES.find((candidate) => candidate.id === programmeId);
  if (!programme) throw new UnknownProgrammeError(programmeId);
  return programme;
}
