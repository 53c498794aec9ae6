/**
 * The Temporal worker: vibeBoxWorkflow plus the activities, built from injected dependencies.
 * Shuts down gracefully on SIGINT/SIGTERM (the SDK's default signals): running activities finish
 * or heartbeat-time-out, and Temporal hands their work to the next worker.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, LogLevel, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { happySettingsFrom } from './activities/happySettings';
import { AppConfig, deploymentOf, loadConfig } from './lib/config';
import { connectDatabase, Database, migrateDatabase } from './lib/db';
import { createLogger } from './lib/logger';
import { SecretBox } from './lib/secretBox';
import { createProviderFactory } from './providers/factory';
import { ProviderPool } from './providers/pool';
import { ensureSchedules } from './lib/temporalSchedules';
import { policies } from './workflows/policies';
import { fleetSchedules, FleetSettings } from './workflows/schedules';

export interface WorkerHandle {
  worker: Worker;
  /** Resolves when the worker has stopped. */
  running: Promise<void>;
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

/** The reconciler's operator settings (seconds in the environment, milliseconds in policy). */
function fleetSettingsFrom(config: AppConfig): FleetSettings {
  const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);
  return {
    reconcileDryRun: config.RECONCILE_DRY_RUN,
    reconcileEvery: ms(config.RECONCILE_EVERY_SECONDS),
    orphanGrace: ms(config.RECONCILE_ORPHAN_GRACE_SECONDS),
    rowGrace: ms(config.RECONCILE_ROW_GRACE_SECONDS),
  };
}

export async function startWorker(config: AppConfig, opts: { database?: Database; env?: Record<string, string | undefined> } = {}): Promise<WorkerHandle> {
  installRuntimeOnce();
  const log = createLogger('worker');
  const database = opts.database ?? connectDatabase(config.DATABASE_URL);
  await migrateDatabase(database);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  // A client of its own for the activities that ask box workflows (the reconciler) and for the Schedules.
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
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
      temporal,
      deployment: deploymentOf(config),
    }),
  });
  // The fleet's control loops run on Schedules: declared here, idempotently, at every start.
  await ensureSchedules(temporal, fleetSchedules(config.TEMPORAL_TASK_QUEUE, policies, fleetSettingsFrom(config)));
  const running = worker.run().finally(async () => {
    await connection.close();
    await clientConnection.close();
    if (!opts.database) await database.close();
  });
  log.info('worker running', { taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS });
  return {
    worker,
    running,
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
