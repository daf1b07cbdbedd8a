import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { Runtime, type Worker } from '@temporalio/worker';
import { readEnvironment } from '../../config/environment.js';
import { ebpmMetrics } from '../../runtime/ebpm-metrics.js';
import { checkWorkerHealth } from '../../runtime/health.js';
import { createWorkerLog, routeConsoleTo, sdkLogFunction, type WorkerLog } from '../../runtime/logging.js';
import { freeLoopbackPort, startMetricsServer } from '../../runtime/metrics-server.js';
import { installTemporalRuntime } from '../../runtime/temporal.js';
import { createEbpmWorker, DEFAULT_MAX_CONCURRENT_ACTIVITIES, DEFAULT_SHUTDOWN_GRACE_MS } from '../../runtime/worker.js';
import { UsageError } from '../errors.js';
import { openServices } from '../services.js';

function metricsPortOf(text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65_535)) throw new UsageError(`--metrics-port must be a TCP port between 1 and 65535 (got "${text}")`);
  return port;
}

/**
 * SIGTERM or SIGINT stops the worker: it polls no more, lets running activities finish within the grace time,
 * then cancels them (each stops at a safe point and is retried on another worker). A second signal exits at once.
 */
function stopOnSignals(worker: Worker, log: WorkerLog, graceMs: number): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (worker.getState() === 'RUNNING') {
      log.info(`${signal}: stopping; running activities have ${graceMs / 1000} s to finish, then are cancelled and retried on another worker`, { signal, graceSeconds: graceMs / 1000 });
      worker.shutdown();
      return;
    }
    log.warn(`${signal} again: exiting now; running activities are retried on another worker once their heartbeat timeout passes`, { signal });
    process.exit(1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

export async function workerCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { 'metrics-port': { type: 'string' } } });
  const metricsPortOption = values['metrics-port'] === undefined ? undefined : metricsPortOf(values['metrics-port']);
  const environment = readEnvironment();
  const metricsPort = metricsPortOption ?? environment.metricsPort;
  const graceMs = environment.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const log = createWorkerLog(environment.logFormat);
  if (log.format === 'json') routeConsoleTo(log);
  // The SDK's exporter listens on a loopback port of its own; the metrics port relays it beside /healthz.
  const exporterAddress = metricsPort === undefined ? undefined : `127.0.0.1:${await freeLoopbackPort()}`;
  installTemporalRuntime({
    ...(exporterAddress ? { prometheusBindAddress: exporterAddress } : {}),
    ...(log.format === 'json' ? { logFunction: sdkLogFunction(log) } : {}),
    // This command stops its worker itself, with the grace time and a line in the log.
    shutdownSignals: [],
  });
  const services = await openServices(environment, (line) => log.info(line), { temporal: true });
  let server: Server | undefined;
  let stopListening: () => void = () => undefined;
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
      shutdownGraceMs: graceMs,
      log,
      ...(exporterAddress ? { metrics: ebpmMetrics(Runtime.instance().metricMeter) } : {}),
    });
    if (metricsPort !== undefined && exporterAddress) {
      server = await startMetricsServer({
        port: metricsPort,
        exporterAddress,
        health: () => checkWorkerHealth({ workerState: () => worker.getState(), temporal: temporal.connection, databaseUrl: environment.databaseUrl }),
      });
      log.info(`Serving Prometheus metrics at :${metricsPort}/metrics and health at :${metricsPort}/healthz.`, { metricsPort });
    }
    stopListening = stopOnSignals(worker, log, graceMs);
    log.info(
      `Worker polling task queue ${environment.taskQueue} on ${temporal.address} (namespace ${temporal.namespace}), ` +
        `at most ${environment.maxConcurrentActivities ?? DEFAULT_MAX_CONCURRENT_ACTIVITIES} activities at once; Ctrl-C stops it.`,
      { taskQueue: environment.taskQueue, temporalAddress: temporal.address, namespace: temporal.namespace },
    );
    log.info(environment.inputDir ? `Input files are read only under ${environment.inputDir} (EBPM_INPUT_DIR).` : 'Input files are read from any path (set EBPM_INPUT_DIR to confine them to one directory).');
    await worker.run();
    log.info('Worker stopped: every activity it ran has finished or been handed back.');
  } finally {
    stopListening();
    if (server) await new Promise((resolve) => server!.close(resolve));
    await services.close();
  }
}
