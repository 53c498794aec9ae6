/**
 * The production shape, as separate OS processes (scripts/cluster): a Postgres of its own, a
 * Temporal server with SQL persistence on it, API x2, worker x2 and the Aliyun emulator. Boxes are created through
 * one API and read through the other; the worker running a box's step — an Aliyun box's wait for
 * RUNNING, a Docker box's Happy setup — is SIGKILLed mid-flight, and each box still becomes
 * active, its step run again by the surviving worker. Teardown leaves no process and no container.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import Docker from 'dockerode';
import { connectDatabase } from '../../lib/db';
import { createUserWithToken } from '../../api/users';
import { EmulatorControlClient } from '../../providers/emulation/controlClient';
import { Cluster, startCluster } from '../../scripts/cluster/cluster';
import { ManagedProcess, processAlive } from '../../scripts/cluster/process';
import { workflowIdFor } from '../../workflows/definitions';
import { eventually, requireEnv } from '../support/platform';

// The run directory is named after this checkout's test database, so checkouts do not share one.
const testDb = new URL(requireEnv('DATABASE_URL')).pathname.slice(1);
const runDir = path.join(os.tmpdir(), `vibebox-cluster-${testDb}`);

let cluster: Cluster;
let temporal: Client;
let temporalConnection: Connection;
let token: string;
/** Every pid the cluster ever had, to prove at the end that none survives. */
const pids = new Set<number>();
const boxIds: string[] = [];

beforeAll(async () => {
  fs.rmSync(runDir, { recursive: true, force: true });
  cluster = await startCluster({
    runDir,
    // Ports of its own (a developer's scripts/cluster.sh cluster may be running), and a Postgres
    // of its own, created anew with the run directory: every database starts empty.
    privatePostgresPort: 5443,
    temporalBinDir: requireEnv('VIBEBOX_TEMPORAL_SERVER_DIR'),
    temporalPort: 7343,
    apiPort: 3111,
    emulators: ['aliyun'],
    emulatorPort: 9111,
    env: { ENABLED_PROVIDERS: 'docker,aliyun', LOG_LEVEL: 'info' },
  });
  for (const m of cluster.members) pids.add(m.pid!);
  temporalConnection = await Connection.connect({ address: cluster.temporalAddress });
  temporal = new Client({ connection: temporalConnection, namespace: cluster.namespace });
  const database = connectDatabase(cluster.appEnv.DATABASE_URL);
  try {
    ({ token } = await createUserWithToken(database.db, `cluster-${Date.now()}@test.vibebox`));
  } finally {
    await database.close();
  }
}, 8 * 60_000);

afterAll(async () => {
  await temporalConnection?.close();
  await cluster?.stop(); // idempotent: a no-op after the teardown test passed
  // After a failure midway, the boxes' containers would outlive the cluster: remove ours.
  for (const id of boxIds) for (const c of await containersOf(id)) await new Docker().getContainer(c.Id).remove({ force: true });
});

async function call(api: number, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(cluster.apiUrl(api) + urlPath, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The containers behind a box: the Docker provider's own, or the emulator's backing one (both carry the box's tags). */
const containersOf = (id: string) => new Docker().listContainers({ all: true, filters: { label: [`vibeboxId=${id}`] } });

const settle = (api: number, id: string, status: string) =>
  eventually(() => call(api, 'GET', `/api/vibeboxes/${id}`), (r) => r.body?.status === status || r.body?.status === 'error', 12 * 60_000, 1_000);

it('runs every part as its own process: Postgres, Temporal on SQL, two APIs, two workers, the emulator', () => {
  expect(cluster.members.map((m) => m.name)).toEqual(['postgres', 'emulator-aliyun', 'temporal', 'api-1', 'api-2', 'worker-1', 'worker-2']);
  expect(pids.size).toBe(7);
  expect(cluster.appEnv.DATABASE_URL).toBe('postgres://vibebox:vibebox@127.0.0.1:5443/vibebox');
  for (const m of cluster.members) expect(processAlive(m.pid!)).toBe(true);
  expect(cluster.temporalAddress).toBe('127.0.0.1:7343');
});

/**
 * Waits until a worker has started `activity` for the box, SIGKILLs that worker and returns it
 * with the pid it had. The worker is found by the identity Temporal recorded (`<pid>@<host>`).
 */
async function killWorkerRunning(id: string, activity: string): Promise<{ victim: ManagedProcess; victimPid: number }> {
  const handle = temporal.workflow.getHandle(workflowIdFor(id));
  const running = await eventually(
    async () => (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === activity && a.lastWorkerIdentity),
    (a) => a !== undefined,
    8 * 60_000,
    250,
  );
  const victim = cluster.workers.find((w) => running!.lastWorkerIdentity === `${w.pid}@${os.hostname()}`);
  expect(victim).toBeDefined();
  const victimPid = victim!.pid!;
  await victim!.kill();
  expect(victim!.pid).toBeUndefined();
  expect(processAlive(victimPid)).toBe(false);
  return { victim: victim!, victimPid };
}

/**
 * The step ran again after the kill (as a new attempt or a new activity, whichever the policy
 * uses), and the run that finished was a live worker's, not the killed one's. A started event
 * records its run's last attempt.
 */
async function expectRerunAfterKill(id: string, activity: string, killedPid: number): Promise<void> {
  const { events } = await temporal.workflow.getHandle(workflowIdFor(id)).fetchHistory();
  const scheduled = new Set(
    events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity).map((e) => String(e.eventId)),
  );
  const runs = events!.map((e) => e.activityTaskStartedEventAttributes).filter((s) => s && scheduled.has(String(s.scheduledEventId)));
  expect(runs.reduce((n, s) => n + (s!.attempt ?? 1), 0)).toBeGreaterThanOrEqual(2);
  const live = cluster.workers.map((w) => `${w.pid}@${os.hostname()}`);
  expect(live).not.toContain(`${killedPid}@${os.hostname()}`);
  expect(live).toContain(runs.at(-1)!.identity);
}

it('boxes created through one API and read through the other survive the SIGKILL of the worker running their step', async () => {
  // 1. An Aliyun box whose instance takes 45 s to boot: kill the worker while it waits for RUNNING.
  await new EmulatorControlClient(`http://${cluster.appEnv.ALIYUN_ENDPOINT}`).setDelays({ create: 45_000 });
  const cloud = await call(1, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'aliyun' });
  expect(cloud.status).toBe(202);
  boxIds.push(cloud.body.id);
  const waitKill = await killWorkerRunning(cloud.body.id, 'waitForStatus');
  // The killed worker comes back on its own restart: a new pid, polling again.
  await waitKill.victim.start();
  pids.add(waitKill.victim.pid!);

  // 2. A Docker box created through API 1, read through API 2: kill the worker running its Happy setup.
  const docker = await call(0, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' });
  expect(docker.status).toBe(202);
  boxIds.push(docker.body.id);
  const seen = await call(1, 'GET', `/api/vibeboxes/${docker.body.id}`);
  expect(seen).toMatchObject({ status: 200, body: { id: docker.body.id, providerType: 'docker' } });
  const configureKill = await killWorkerRunning(docker.body.id, 'configureHappy');

  expect((await settle(0, cloud.body.id, 'active')).body).toMatchObject({ status: 'active', providerType: 'aliyun', lastError: null });
  await expectRerunAfterKill(cloud.body.id, 'waitForStatus', waitKill.victimPid);
  expect((await settle(1, docker.body.id, 'active')).body).toMatchObject({ status: 'active', providerType: 'docker', lastError: null });
  await expectRerunAfterKill(docker.body.id, 'configureHappy', configureKill.victimPid);
  for (const id of boxIds) expect({ id, containers: (await containersOf(id)).length }).toEqual({ id, containers: 1 });

  await configureKill.victim.start();
  pids.add(configureKill.victim.pid!);
}, 25 * 60_000);

it('serves again once its Postgres, SIGKILLed, is started again', async () => {
  const postgres = cluster.postgres!;
  await postgres.kill();
  expect((await call(1, 'GET', `/api/vibeboxes/${boxIds[0]}`)).status).toBeGreaterThanOrEqual(500);
  await postgres.start(); // crash recovery, then ready
  pids.add(postgres.pid!);
  const back = await eventually(() => call(1, 'GET', `/api/vibeboxes/${boxIds[0]}`), (r) => r.status === 200, 60_000, 500);
  expect(back.body).toMatchObject({ id: boxIds[0], status: 'active' });
});

it('deletes through either API, and the teardown leaves no process and no container behind', async () => {
  for (const [i, id] of boxIds.entries()) expect((await call(i % 2, 'DELETE', `/api/vibeboxes/${id}`)).status).toBe(202);
  for (const id of boxIds) await eventually(() => call(1, 'GET', `/api/vibeboxes/${id}`), (r) => r.status === 404, 5 * 60_000, 1_000);

  await cluster.stop();
  for (const m of cluster.members) expect({ name: m.name, pid: m.pid }).toEqual({ name: m.name, pid: undefined });
  for (const pid of pids) expect({ pid, alive: processAlive(pid) }).toEqual({ pid, alive: false });
  for (const id of boxIds) expect({ id, containers: await containersOf(id) }).toEqual({ id, containers: [] });
}, 10 * 60_000);
