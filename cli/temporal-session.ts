/**
 * Temporal for a command, apart from the database layer (services.ts): `ebpm review-sheets load` connects and makes its
 * worker before it loads kysely, pg and the migrations.
 */
import type { EbpmEnvironment } from '../config/environment.js';
import type { TemporalSession } from '../runtime/temporal.js';

/** The Temporal server of TEMPORAL_ADDRESS, or a dev server of our own when it is unset. */
export async function openTemporalSession(environment: EbpmEnvironment, log: (line: string) => void): Promise<TemporalSession> {
  if (!environment.temporalAddress) log('TEMPORAL_ADDRESS is not set: starting a local Temporal dev server.');
  // Loaded only here: the Temporal client takes most of a second to load, and the database-only commands
  // (migrate, consent, quarantine, report, metabase, review-sheets show) never use it.
  const { openTemporal } = await import('../runtime/temporal.js');
  const temporal = await openTemporal({
    address: environment.temporalAddress,
    namespace: environment.temporalNamespace,
    toolsDir: environment.toolsDir,
    log,
  });
  if (environment.temporalAddress) log(`Connected to Temporal at ${temporal.address} (namespace ${temporal.namespace}).`);
  return temporal;
}
