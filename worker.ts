/**
 * The Temporal worker: vibeBoxWorkflow plus the activities, built from injected dependencies.
 * Shuts down on SIGINT/SIGTERM (the SDK's default signals): it stops polling, and with the SDK's
 * default shutdownGraceTime of 0 running activities are cancelled at once; the workflow retries
 * them on another worker per its policy (docs/operations.md, "Rolling restarts").
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, LogLevel, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { createWorkerMetrics } from './activities/metrics';
import { happySettingsFrom } from './activities/happySettings';
import { AppConfig, loadConfig } from './lib/config';
import { connectDatabase, Database, migrateDatabase } from './lib/db';
import { createLogger } from './lib/logger';
import { createRegistry, serveMetrics } from './lib/metrics';
import { SecretBox } from './lib/secretBox';
import { createProviderFactory } from './providers/factory';
import { ProviderPool } from './providers/pool';
import { ensureSchedules } from './lib/temporalSchedules';
import { policies } from './workflows/policies';
import { fleetSchedules } from './workflows/schedules';

export interface WorkerHandle {
  worker: Worker;
  /** Resolves when the worker has stopped. */
  running: Promise<void>;
  /** The Prometheus endpoint, when WORKER_METRICS_PORT is set. */
  metricsUrl?: string;
  shutdown(): Promise<void>;
}

const SDK_LOG_LEVELS: Record<string, LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/** The SDK's own logs follow LOG_LEVEL too. The runtime is per process: only the first call installs it. */
function installRuntimeOnce(): void {
  try {
    Runtime.install({ logger: new DefaultLogger(SDK_LOG_LEVELS[(process.env.LOG_LEVEL ?? 'info').toLowerCase()] ?? 'INFO') });
  } catch {
    // Already installed (a second worker in the same process, as in tests).
  }
}

export async function startWorker(config: AppConfig, opts: { database?: Database; env?: Record<string, string | undefined> } = {}): Promise<WorkerHandle> {
  installRuntimeOnce();
  const log = createLogger('worker');
  const database = opts.database ?? connectDatabase(config.DATABASE_URL);
  await migrateDatabase(database);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const registry = createRegistry('worker');
  const metrics = createWorkerMetrics(registry);
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities({
      db: database.db,
      providers: new ProviderPool(createProviderFactory(), opts.env ?? process.env),
      secrets: new SecretBox(config.VIBEBOX_SECRET_KEY),
      happy: happySettingsFrom(config),
      log,
      metrics,
    }),
  });
  // The fleet's control loops run on Schedules: declared here, idempotently, at every start.
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    await ensureSchedules(new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }), fleetSchedules(config.TEMPORAL_TASK_QUEUE, policies));
  } finally {
    await clientConnection.close();
  }
  const metricsServer = config.WORKER_METRICS_PORT !== undefined ? await serveMetrics(registry, config.HOST, config.WORKER_METRICS_PORT) : undefined;
  const running = worker.run().finally(async () => {
    await metricsServer?.close();
    await connection.close();
    if (!opts.database) await database.close();
  });
  log.info('worker running', { taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS });
  return {
    worker,
    running,
    metricsUrl: metricsServer?.url,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

if (require.main === module) {
  startWorker(loadConfig())
    .then((handle) => handle.running)
    .catch((err: unknown) => {
      createLogger('worker').error('worker failed', { error: err });
      process.exit(1);
    });
}
