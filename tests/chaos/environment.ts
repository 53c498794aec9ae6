/**
 * The cluster a chaos run drives (scripts/cluster: API ×2, worker ×2, the SQL-backed Temporal
 * server, one emulator process per cloud, Docker-backed instances with real sshd) and the handles
 * the harness observes it through: the emulators' control APIs, a Temporal client, a Postgres
 * pool of its own on the platform's database, and HTTP calls to the APIs.
 *
 * Two Postgres servers of the cluster's own: the platform's (`postgres`, the one R3 stops) and
 * Temporal's (`postgres-temporal`), as production gives Temporal its own instance. The shared
 * services scripts/test.sh runs are never touched.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { createUserWithToken } from '../../api/users';
import { connectDatabase, Database } from '../../lib/db';
import { EmulatorControlClient } from '../../providers/emulation/controlClient';
import type { EmulatedCloudType } from '../../providers/cloudEmulators';
import { Cluster, startCluster } from '../../scripts/cluster/cluster';

export interface ChaosPorts {
  /** The platform's Postgres (stopped by R3). */
  postgres: number;
  /** Temporal's Postgres. */
  temporalPostgres: number;
  /** Temporal's frontend; the server takes the next 4 and +10..+13 too. */
  temporal: number;
  /** API 1; API 2 is the next port. */
  api: number;
  /** The first emulator; the others follow. */
  emulator: number;
}

/** The clouds the load goes to: every emulated one. */
export const CHAOS_CLOUDS: readonly EmulatedCloudType[] = ['aliyun', 'tencent', 'chinamobile'];

export interface ApiAnswer {
  /** 0 when no HTTP answer came (connection refused or reset, or the timeout passed). */
  status: number;
  body: any;
  /** Why no answer came, when status is 0. */
  error?: string;
  ms: number;
}

export interface ChaosUser {
  userId: string;
  token: string;
}

export interface ChaosEnvironment {
  cluster: Cluster;
  clouds: Array<{ cloud: EmulatedCloudType; control: EmulatorControlClient }>;
  temporal: Client;
  /** The harness's own pool on the platform's database (it errors while R3 has Postgres down). */
  database: Database;
  /** A user of its own for each scenario: its boxes, rows and instances are told apart by user id. */
  newUser(): Promise<ChaosUser>;
  /** One HTTP call to API process `api` (0-based); never throws. */
  call(api: number, token: string, method: string, path: string, body?: unknown, timeoutMs?: number): Promise<ApiAnswer>;
  /** Closes the harness's clients (not the cluster); idempotent. */
  close(): Promise<void>;
}

export interface ChaosClusterOptions {
  runDir: string;
  temporalBinDir: string;
  ports: ChaosPorts;
  clouds?: readonly EmulatedCloudType[];
  /** More environment for the APIs and workers (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
}

/** Starts a fresh cluster in `runDir` (anything left there from an earlier run is removed first). */
export async function startChaosCluster(o: ChaosClusterOptions): Promise<Cluster> {
  fs.rmSync(o.runDir, { recursive: true, force: true });
  const clouds = o.clouds ?? CHAOS_CLOUDS;
  return startCluster({
    runDir: o.runDir,
    privatePostgresPort: o.ports.postgres,
    temporalPostgresPort: o.ports.temporalPostgres,
    temporalBinDir: o.temporalBinDir,
    temporalPort: o.ports.temporal,
    apiPort: o.ports.api,
    emulators: [...clouds],
    emulatorPort: o.ports.emulator,
    env: { ENABLED_PROVIDERS: clouds.join(','), LOG_LEVEL: 'info', ...o.env },
  });
}

export async function observeCluster(cluster: Cluster): Promise<ChaosEnvironment> {
  const connection = await Connection.connect({ address: cluster.temporalAddress });
  const temporal = new Client({ connection, namespace: cluster.namespace });
  const database = connectDatabase(cluster.appEnv.DATABASE_URL);
  let closing: Promise<void> | undefined;
  const clouds = cluster.emulators.map((e) => {
    const cloud = e.name.slice('emulator-'.length) as EmulatedCloudType;
    return { cloud, control: new EmulatorControlClient(cluster.emulatorUrl(cloud)) };
  });
  return {
    cluster,
    clouds,
    temporal,
    database,
    newUser: () => createUserWithToken(database.db, `chaos-${randomUUID().slice(0, 8)}@test.vibebox`),
    async call(api, token, method, path, body, timeoutMs = 60_000) {
      const started = Date.now();
      try {
        const res = await fetch(cluster.apiUrl(api) + path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON: keep the text */
        }
        return { status: res.status, body: parsed, ms: Date.now() - started };
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        return { status: 0, body: undefined, error: e.cause?.code ?? e.name ?? e.message, ms: Date.now() - started };
      }
    },
    close() {
      closing ??= Promise.all([connection.close(), database.close()]).then(() => undefined);
      return closing;
    },
  };
}
