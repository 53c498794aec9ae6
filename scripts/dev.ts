/**
 * The platform on embedded defaults, in one process: Postgres (embedded unless DATABASE_URL is
 * set), the worker and the API, against the Temporal dev server that scripts/run.sh started.
 * Every default gives way to configuration; see README "Configuration".
 */
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { startApi } from '../api/server';
import { loadConfig } from '../lib/config';
import { startEmbeddedPostgres } from '../lib/embeddedPostgres';
import { createLogger } from '../lib/logger';
import { redactText } from '../lib/redact';
import { SecretBox } from '../lib/secretBox';
import { BASE_IMAGE } from '../providers/docker/specMap';
import { startLocalClouds } from '../providers/localClouds';
import { startLocalHappyRelay } from '../happy/relay/local';
import { startWorker } from '../worker';

const log = createLogger('dev');
const dataDir = path.resolve(process.env.VIBEBOX_DATA_DIR ?? '.data');

/** The key sealing box passwords: from the environment, else one generated once and kept (0600). */
function secretKey(): string {
  if (process.env.VIBEBOX_SECRET_KEY) return process.env.VIBEBOX_SECRET_KEY;
  const file = path.join(dataDir, 'secret.key');
  if (!fs.existsSync(file)) fs.writeFileSync(file, SecretBox.generateKey(), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/** The Docker provider is on when an engine answers and the base image is built. */
async function dockerUsable(): Promise<string | undefined> {
  try {
    const docker = new Docker();
    await docker.ping();
    await docker.getImage(BASE_IMAGE).inspect();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string | undefined> = { ...process.env, VIBEBOX_SECRET_KEY: secretKey() };
  const stops: Array<() => Promise<void>> = [];

  if (!env.DATABASE_URL) {
    const pg = await startEmbeddedPostgres(dataDir, Number(env.VIBEBOX_EMBEDDED_PG_PORT ?? 5434), log);
    env.DATABASE_URL = pg.url;
    stops.push(pg.stop);
  }
  // The CLI (npm run vibebox) reads this to find the embedded database.
  fs.writeFileSync(path.join(dataDir, 'local.env'), `DATABASE_URL=${env.DATABASE_URL}\n`, { mode: 0o600 });

  const dockerProblem = env.DOCKER_ENABLED === 'false' ? 'disabled by DOCKER_ENABLED=false' : await dockerUsable();
  if (dockerProblem) {
    env.DOCKER_ENABLED = 'false';
    log.warn('Docker provider off', { reason: dockerProblem });
  }

  // Emulated clouds keep their instances, keys and ports in the data directory across restarts.
  const clouds = await startLocalClouds(env, { stateDir: path.join(dataDir, 'emulators') });
  Object.assign(env, clouds.env);
  stops.push(clouds.close);

  // Before the config is read: boxes get the relay's address in their happy.env.
  const happyRelay = await startLocalHappyRelay(env, dataDir);
  Object.assign(env, happyRelay.env);
  stops.push(happyRelay.close);

  // Prometheus scrapes the worker here (ours and the Temporal SDK runtime's) and the API at /metrics.
  env.WORKER_METRICS_PORT ??= '9464';
  env.TEMPORAL_METRICS_ADDRESS ??= '127.0.0.1:9465';
  const config = loadConfig(env);
  const worker = await startWorker(config, { env });
  const api = await startApi(config, { env });
  stops.unshift(() => worker.shutdown(), () => api.close());

  process.stdout.write(
    [
      '',
      'VibeBox is running.',
      `  API            ${api.url}  (OpenAPI: ${api.url}/api/openapi.json)`,
      `  Temporal UI    http://127.0.0.1:${env.TEMPORAL_UI_PORT ?? 8233}`,
      `  Metrics        ${api.url}/metrics (API), ${worker.metricsUrl ?? 'off'} (worker)`,
      `  Database       ${redactText(env.DATABASE_URL)}`,
      `  Docker         ${dockerProblem ? `off (${dockerProblem})` : 'on'}`,
      ...clouds.started.map((c) => `  ${c.cloud.padEnd(14)} emulated at ${c.url} (no keys set; control API ${c.url}/_emulator)`),
      ...(happyRelay.url ? [`  Happy relay    emulated at ${happyRelay.url} (no HAPPY_SERVER_URL set; control API ${happyRelay.url}/_emulator)`] : []),
      '',
      '  Get a token:   npm run vibebox -- create-user you@example.com',
      `  Create a box:  curl -X POST ${api.url}/api/vibeboxes -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"planId":"basic"}'`,
      '',
    ].join('\n') + '\n',
  );

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down');
    for (const stop of stops) await stop().catch((err: unknown) => log.warn('shutdown step failed', { error: err }));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err: unknown) => {
  log.error('failed to start', { error: err });
  process.exit(1);
});
