/**
 * The API process: migrate, connect Temporal, serve; on SIGTERM or SIGINT stop taking
 * connections, finish the requests in flight, close Temporal and Postgres, exit 0 — so a rolling
 * restart or a scale-down cuts no request. Requests still open after SHUTDOWN_GRACE_MS are cut.
 */
import http from 'node:http';
import { AppConfig, deploymentOf, loadConfig } from '../lib/config';
import { connectDatabase, Database, migrateDatabase } from '../lib/db';
import { createLogger } from '../lib/logger';
import { SecretBox } from '../lib/secretBox';
import { placementFromEnv } from '../providers/settings';
import { parsePolicyOverrides, policies } from '../workflows/policies';
import { createApp } from './app';
import { createBoxEvents } from './boxEvents';
import { createHappyService } from './happyService';
import { connectTemporal } from './temporalClient';
import { createVibeBoxService } from './vibeboxService';
import { admissionRulesFromEnv } from './admission';

/**
 * How long a stopping API waits for the requests in flight (each is short: a Postgres read or
 * write and at most one Temporal call). Under the 20 s a supervisor (scripts/cluster, Kubernetes'
 * default 30 s) waits before SIGKILL.
 */
const SHUTDOWN_GRACE_MS = 10_000;

export interface ApiHandle {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function startApi(config: AppConfig, opts: { database?: Database; env?: Record<string, string | undefined> } = {}): Promise<ApiHandle> {
  const log = createLogger('api');
  const database = opts.database ?? connectDatabase(config.DATABASE_URL, policies.dependencies.database);
  await migrateDatabase(database);
  // Lazy: the API starts (and serves reads) while Temporal is away.
  const { client: temporal, connection } = await connectTemporal(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  const env = opts.env ?? process.env;
  // Configuration only: the API never calls a provider, and loads no adapter or cloud SDK.
  const placement = placementFromEnv(env);
  const service = createVibeBoxService({
    database,
    temporal,
    secrets: new SecretBox(config.VIBEBOX_SECRET_KEY),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    placement,
    deployment: deploymentOf(config),
    admission: admissionRulesFromEnv(env),
    policyOverrides: config.VIBEBOX_POLICY_OVERRIDES ? parsePolicyOverrides(config.VIBEBOX_POLICY_OVERRIDES) : undefined,
  });
  const events = createBoxEvents({ getBox: service.get, databaseUrl: config.DATABASE_URL });
  const happy = createHappyService({ db: database.db, temporal });
  const server = http.createServer(createApp({ database, temporal, service, happy, placement, events }));
  const inFlight = new Set<http.ServerResponse>();
  server.on('request', (_req, res: http.ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const { port } = server.address() as { port: number };
  const url = `http://${config.HOST}:${port}`;
  log.info('api listening', { url });
  return {
    server,
    url,
    async close() {
      // Answers still to come tell their clients the connection ends with them.
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      // Live status streams never finish by themselves: end them (their clients reconnect).
      await events.close();
      // close() stops listening and ends idle keep-alive connections; it calls back once the
      // requests in flight have been answered.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
      if (!opts.database) await database.close();
    },
  };
}

/** Stops the API on the first SIGTERM or SIGINT: drained within the grace period, else cut. */
function stopOnSignals(api: ApiHandle): void {
  const log = createLogger('api');
  const stop = (signal: NodeJS.Signals) => {
    log.info('api stopping: finishing requests in flight', { signal });
    const cut = setTimeout(() => {
      log.warn('api stopped with requests still open', { graceMs: SHUTDOWN_GRACE_MS });
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    cut.unref();
    api.close().then(
      () => {
        log.info('api stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error('api stopped with an error', { error: err });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  startApi(loadConfig()).then(stopOnSignals, (err: unknown) => {
    createLogger('api').error('api failed to start', { error: err });
    process.exit(1);
  });
}
