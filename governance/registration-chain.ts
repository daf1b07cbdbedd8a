/**
 * The hash chain of the spec-registration log (governance.spec_registrations, migration 0027), recomputed apart
 * from the database: each row's hash is SHA-256 of the previous row's hash followed by the row's content, each
 * field written as "byte length:value" in a fixed order (so no value can run into the next). The insert trigger
 * computes the same in SQL; `ebpm programmes registrations --verify` recomputes it here and names the first row
 * whose link does not hold. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../schemas/study-spec.js';

/** The previous hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** One registration as the log holds it. */
export interface SpecRegistration {
  readonly sequence: number;
  readonly programmeId: string;
  readonly specVersion: number;
  readonly specHash: string;
  /** The spec version as registered: canonical JSON of it hashes to specHash. */
  readonly spec: unknown;
  /** registeredAt as typed in the catalogue. */
  readonly claimedRegisteredAt: string;
  /** Database time, to the millisecond. */
  readonly recordedAt: Date;
  readonly databaseRole: string;
  readonly registeredBy: string;
  readonly codeVersion: string;
  readonly via: string;
  readonly previousHash: string;
  readonly rowHash: string;
}

/** The content a row's hash covers, in the trigger's order (governance.spec_registration_content). */
export function registrationContent(row: Omit<SpecRegistration, 'spec' | 'previousHash' | 'rowHash'>): string {
  const fields = [
    String(row.sequence),
    row.programmeId,
    String(row.specVersion),
    row.specHash,
    row.claimedRegisteredAt,
    row.recordedAt.toISOString(),
    row.databaseRole,
    row.registeredBy,
    row.codeVersion,
    row.via,
  ];
  return fields.map((field) => `${Buffer.byteLength(field, 'utf8')}:${field}`).join('');
}

export function registrationRowHash(previousHash: string, row: Omit<SpecRegistration, 'spec' | 'previousHash' | 'rowHash'>): string {
  return createHash('sha256').update(previousHash + registrationContent(row), 'utf8').digest('hex');
}

/** SHA-256 of a spec's canonical JSON: what its specHash must be. */
export function specContentHash(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

export interface BrokenLink {
  readonly sequence: number;
  readonly programmeId: string;
  readonly specVersion: number;
  readonly problem: string;
}

export interface ChainVerdict {
  readonly rows: number;
  /** The last row's hash when the chain holds (the genesis hash for an empty log). */
  readonly headHash: string;
  /** The first link that does not hold, or null. */
  readonly broken: BrokenLink | null;
}

/**
 * Walks the log in sequence order and stops at the first row that breaks the chain: a gap in the sequence, a
 * previous hash that is not the row before's hash, a row hash its content no longer gives (the row was altered
 * after it was recorded), or a stored spec whose hash is not its specHash.
 */
export function verifyRegistrationChain(rows: readonly SpecRegistration[]): ChainVerdict {
  let previous = GENESIS_HASH;
  for (const [index, row] of rows.entries()) {
    const at = (problem: string): ChainVerdict => ({ rows: rows.length, headHash: previous, broken: { sequence: row.sequence, programmeId: row.programmeId, specVersion: row.specVersion, problem } });
    if (row.sequence !== index + 1) return at(`expected row #${index + 1} here, found #${row.sequence}: rows before it were removed`);
    if (row.previousHash !== previous) return at(`its previous hash ${row.previousHash.slice(0, 12)}… is not the hash of row #${index} (${previous.slice(0, 12)}…): a row before it was altered or removed`);
    const recomputed = registrationRowHash(previous, row);
    if (recomputed !== row.rowHash) return at(`its content no longer gives its hash (${row.rowHash.slice(0, 12)}… recorded, ${recomputed.slice(0, 12)}… now): the row was altered after it was recorded`);
    const specHash = specContentHash(row.spec);
    if (specHash !== row.specHash) return at(`its stored spec hashes to ${specHash.slice(0, 12)}…, not to its spec hash ${row.specHash.slice(0, 12)}…: the stored spec was altered`);
    previous = row.rowHash;
  }
  return { rows: rows.length, headHash: previous, broken: null };
}
