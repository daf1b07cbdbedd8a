import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { createEbpmWorker, DEFAULT_MAX_CONCURRENT_ACTIVITIES } from '../../runtime/worker.js';
import { openServices } from '../services.js';

export async function workerCommand(args: string[]): Promise<void> {
  // No options yet: anything given is a mistake to report, not to ignore while a worker starts.
  parseArgs({ args, options: {} });
  const environment = readEnvironment();
  const log = (line: string) => console.log(line);
  const services = await openServices(environment, log, { temporal: true });
  try {
    const temporal = services.temporal!;
    const worker = await createEbpmWorker({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace,
      taskQueue: environment.taskQueue,
      db: services.db,
      ingestBatchRows: environment.ingestBatchRows,
      inputDir: environment.inputDir,
      maxConcurrentActivities: environment.maxConcurrentActivities,
    });
    log(
      `Worker polling task queue ${environment.taskQueue} on ${temporal.address} (namespace ${temporal.namespace}), ` +
        `at most ${environment.maxConcurrentActivities ?? DEFAULT_MAX_CONCURRENT_ACTIVITIES} activities at once; Ctrl-C stops it.`,
    );
    log(environment.inputDir ? `Input files are read only under ${environment.inputDir} (EBPM_INPUT_DIR).` : 'Input files are read from any path (set EBPM_INPUT_DIR to confine them to one directory).');
    await worker.run();
  } finally {
    await services.close();
  }
}
