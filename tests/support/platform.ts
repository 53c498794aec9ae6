/**
 * A whole VibeBox platform for one test file: the real worker and API on the real Temporal dev
 * server and Postgres that scripts/test.sh started, on a task queue of its own so test files
 * running side by side never take each other's work.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { connectTemporal } from '../../api/temporalClient';
import { startApi, ApiHandle } from '../../api/server';
import { deploymentOf, loadConfig, AppConfig } from '../../lib/config';
import { connectDatabase, Database } from '../../lib/db';
import { createUserWithToken } from '../../api/users';
import { startWorker, WorkerHandle } from '../../worker';
import { workflowIdFor } from '../../workflows/definitions';
import { PLAN_IDS } from '../../workflows/plans';
import { policies } from '../../workflows/policies';
import { fleetSchedules } from '../../workflows/schedules';

export interface TestPlatform {
  config: AppConfig;
  /** The deployment name its resources and rows carry (unique per platform: the task queue is). */
  deployment: string;
  env: Record<string, string | undefined>;
  database: Database;
  /** Absent on an API-only platform: its workflows are started but never run. */
  worker?: WorkerHandle;
  api: ApiHandle;
  temporal: Client;
  /** A fresh user and bearer token. */
  newUser(): Promise<{ userId: string; token: string }>;
  /** fetch against the API with a bearer token; returns status and parsed JSON. */
  call(token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through scripts/test.sh (README)`);
  return value;
}

/**
 * Test platforms let every plan pin a provider: most tests pin one (on the cheapest plan) to say
 * where their box goes. The production rule (Pro and Enterprise only, policies.selection) is
 * tested with it restored, in tests/e2e/placement.test.ts.
 */
export const PIN_ANY_PLAN = { VIBEBOX_MANUAL_PLANS: PLAN_IDS.join(',') };

/**
 * `{ worker: false }` runs the API alone: creates are admitted and their workflows started on a
 * task queue nobody polls, so admission can be tested without provisioning boxes.
 * `terminateBoxes` cleans up after such a test.
 */
export async function startPlatform(envOverrides: Record<string, string> = {}, opts: { worker?: boolean } = {}): Promise<TestPlatform> {
  requireEnv('DATABASE_URL');
  const env = { ...process.env, ...PIN_ANY_PLAN, TEMPORAL_TASK_QUEUE: `test-${randomUUID().slice(0, 8)}`, PORT: '0', ...envOverrides };
  const config = loadConfig(env);
  const database = connectDatabase(config.DATABASE_URL, policies.dependencies.database);
  const worker = opts.worker === false ? undefined : await startWorker(config, { database, env });
  const api = await startApi(config, { database, env });
  // The API's own client: a rejected update throws UpdateRejectedError with the validator's reason.
  const { client: temporal, connection } = await connectTemporal(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  return {
    config,
    deployment: deploymentOf(config),
    env,
    database,
    worker,
    api,
    temporal,
    newUser: () => createUserWithToken(database.db, `user-${randomUUID().slice(0, 8)}@test.vibebox`),
    async call(token, method, path, body) {
      const res = await fetch(api.url + path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body: parsed };
    },
    async close() {
      // The dev server outlives the test: a platform's Schedules must not keep firing at a queue nobody serves.
      for (const { scheduleId } of fleetSchedules(config.TEMPORAL_TASK_QUEUE, policies, { reconcileDryRun: false })) {
        await temporal.schedule.getHandle(scheduleId).delete().catch(() => undefined);
      }
      await api.close();
      await worker?.shutdown();
      await connection.close();
      await database.close();
    },
  };
}

/** Terminates the workflows of these boxes (an API-only platform's boxes, which no worker runs). */
export async function terminateBoxes(temporal: Client, vibeboxIds: Iterable<string>): Promise<void> {
  for (const id of vibeboxIds) {
    await temporal.workflow.getHandle(workflowIdFor(id)).terminate('test cleanup').catch(() => undefined);
  }
}

/** Polls `probe` until `done` says so (or the deadline passes, which fails the test with the last value). */
export async function eventually<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5 * 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
    last = await probe();
  }
  return last;
}
