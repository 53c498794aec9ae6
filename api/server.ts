/** The API process: migrate, connect Temporal, serve. */
import http from 'node:http';
import { AppConfig, deploymentOf, loadConfig } from '../lib/config';
import { connectDatabase, Database, migrateDatabase } from '../lib/db';
import { createLogger } from '../lib/logger';
import { SecretBox } from '../lib/secretBox';
import { placementFromEnv } from '../providers/settings';
import { createApp } from './app';
import { connectTemporal } from './temporalClient';
import { createVibeBoxService } from './vibeboxService';

export interface ApiHandle {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function startApi(config: AppConfig, opts: { database?: Database; env?: Record<string, string | undefined> } = {}): Promise<ApiHandle> {
  const log = createLogger('api');
  const database = opts.database ?? connectDatabase(config.DATABASE_URL);
  await migrateDatabase(database);
  const { client: temporal, connection } = await connectTemporal(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  const env = opts.env ?? process.env;
  const service = createVibeBoxService({
    db: database.db,
    temporal,
    secrets: new SecretBox(config.VIBEBOX_SECRET_KEY),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deployment: deploymentOf(config),
    // Configuration only: the API never calls a provider, and loads no adapter or cloud SDK.
    placement: placementFromEnv(env),
  });
  const server = http.createServer(createApp({ db: database.db, service }));
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const { port } = server.address() as { port: number };
  const url = `http://${config.HOST}:${port}`;
  log.info('api listening', { url });
  return {
    server,
    url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
      if (!opts.database) await database.close();
    },
  };
}

if (require.main === module) {
  startApi(loadConfig()).catch((err: unknown) => {
    createLogger('api').error('api failed to start', { error: err });
    process.exit(1);
  });
}
