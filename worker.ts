/**
 * The Temporal worker: vibeBoxWorkflow plus the activities, built from injected dependencies.
 * Shuts down on SIGINT/SIGTERM (the SDK's default signals): it stops polling, and with the SDK's
 * default shutdownGraceTime of 0 running activities are cancelled at once; the workflow retries
 * them on another worker per its policy (docs/operations.md, "Rolling restarts").
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
import { configureTaskQueue } from './workflows/definitions';
import { publishProviderCapacity } from './activities/capacity';
import { WorkerMetrics } from './activities/metrics';
import { scrape, serveMetrics } from './lib/metrics';

export interface WorkerHandle {
  worker: Worker;
  /** The bounded workers of configureHappy, one per enabled provider type (policies.configureConcurrency). */
  configureWorkers: Worker[];
  /** Resolves when every worker has stopped. */
  running: Promise<void>;
  /** Where Prometheus scrapes this worker (WORKER_METRICS_PORT), when it serves metrics. */
  metricsUrl?: string;
  shutdown(): Promise<void>;
}

const SDK_LOG_LEVELS: Record<string, LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/**
 * The SDK's own logs follow LOG_LEVEL too, and with TEMPORAL_METRICS_ADDRESS its runtime metrics
 * go to a Prometheus exporter there. The runtime is per process: only the first call installs it.
 */
function installRuntimeOnce(config: AppConfig): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(SDK_LOG_LEVELS[(process.env.LOG_LEVEL ?? 'info').toLowerCase()] ?? 'INFO'),
      ...(config.TEMPORAL_METRICS_ADDRESS
        ? { telemetryOptions: { metrics: { prometheus: { bindAddress: config.TEMPORAL_METRICS_ADDRESS, countersTotalSuffix: true, useSecondsForDurations: true } } } }
        : {}),
    });
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
  installRuntimeOnce(config);
  const log = createLogger('worker');
  const metrics = new WorkerMetrics();
  const database = opts.database ?? connectDatabase(config.DATABASE_URL, policies.dependencies.database);
  await migrateDatabase(database);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  // A client of its own for the activities that ask box workflows (the reconciler) and for the Schedules.
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
  const providers = new ProviderPool(createProviderFactory(), opts.env ?? process.env);
  const activities = createActivities({
    db: database.db,
    providers,
    secrets: new SecretBox(config.VIBEBOX_SECRET_KEY),
    happy: happySettingsFrom(config),
    databaseRetry: policies.dependencies.databaseRetry,
    log,
    alertWebhookUrl: (opts.env ?? process.env).VIBEBOX_ALERT_WEBHOOK_URL || undefined,
    temporal,
    deployment: deploymentOf(config),
    metrics,
  });
  const interceptors = { activity: [metrics.activityInterceptor] };
  // Heartbeats reach the server every few seconds (the SDK's default throttle lets a 2-minute
  // heartbeat timeout go 60 s unheard): an activity then outlives a Temporal outage of up to its
  // heartbeat timeout minus this, instead of being timed out when the server comes back; and a
  // cancellation reaches a running activity within a few seconds (policies.heartbeats).
  const throttle = policies.heartbeats.maxThrottle;
  const heartbeats = { maxHeartbeatThrottleInterval: throttle, defaultHeartbeatThrottleInterval: throttle };
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...heartbeats,
    workflowsPath: require.resolve('./workflows'),
    // configureHappy stays here too, for configure work scheduled on this queue before it had queues of its own.
    activities,
    interceptors,
  });
  // configureHappy on one queue per provider type, a bounded number at once: a burst queues here.
  const configureWorkers = await Promise.all(
    providers.enabledTypes().map((type) =>
      Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: configureTaskQueue(config.TEMPORAL_TASK_QUEUE, type),
        activities: { configureHappy: activities.configureHappy },
        maxConcurrentActivityTaskExecutions: policies.configureConcurrency[type],
        ...heartbeats,
        interceptors,
      }),
    ),
  );
  // The API refuses plans that cannot fit; it learns what Docker can place from here.
  await publishProviderCapacity({ db: database.db, providers, log });
  // The fleet's control loops run on Schedules: declared here, idempotently, at every start.
  await ensureSchedules(temporal, fleetSchedules(config.TEMPORAL_TASK_QUEUE, policies, fleetSettingsFrom(config)));
  // One scrape shows ours and, when exported, the SDK runtime's (scraped from its exporter).
  const runtimeMetricsUrl = config.TEMPORAL_METRICS_ADDRESS ? `http://${config.TEMPORAL_METRICS_ADDRESS}/metrics` : undefined;
  const metricsServer =
    config.WORKER_METRICS_PORT === undefined
      ? undefined
      : await serveMetrics(config.HOST, config.WORKER_METRICS_PORT, async () => (await metrics.registry.metrics()) + (runtimeMetricsUrl ? await scrape(runtimeMetricsUrl) : ''));
  const all = [worker, ...configureWorkers];
  const stopAll = () => all.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
  // One worker failing stops the others; the connection closes once they have all drained.
  const running = Promise.allSettled(all.map((w) => w.run().catch((err: unknown) => (stopAll(), Promise.reject(err)))))
    .then((results) => {
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    })
    .finally(async () => {
      await metricsServer?.close();
      await connection.close();
      await clientConnection.close();
      if (!opts.database) await database.close();
    });
  log.info('worker running', { taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS, metrics: metricsServer?.url });
  return {
    worker,
    configureWorkers,
    running,
    metricsUrl: metricsServer?.url,
    async shutdown() {
      stopAll();
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
