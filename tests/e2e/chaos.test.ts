/**
 * Chaos, small N (bench/chaos.ts runs the same scenarios at N=100): the production shape as
 * separate OS processes (scripts/cluster: two Postgres servers of its own — the platform's and
 * Temporal's —, the SQL-backed Temporal server, API ×2, worker ×2, the three cloud emulators with
 * Docker-backed instances answering SSH, so Happy's setup really runs). Per scenario, a few boxes
 * are requested at once through both APIs while:
 *
 *   R1  workers are SIGKILLed at random points (the first kill aimed at a worker running a box's
 *       wait for RUNNING, the second at one running a Happy setup) and restarted;
 *   R2  the Temporal server is SIGKILLed mid-flight and started again;
 *   R3  the platform's Postgres is SIGKILLed mid-flight and started again 30 s later.
 *
 * Each ends with 0 duplicate instances, 0 orphans, no lost request, every box `active` or
 * cleanly `error`, and nothing left once the boxes are deleted through the API. The table is
 * printed. Teardown leaves no process and no container.
 */
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { Cluster } from '../../scripts/cluster/cluster';
import { processAlive } from '../../scripts/cluster/process';
import { ChaosEnvironment, observeCluster, startChaosCluster } from '../chaos/environment';
import { runScenario, ScenarioResult } from '../chaos/scenario';
import { chaosScenario, ChaosPlan, ScenarioName } from '../chaos/scenarios';
import { chaosReport } from '../chaos/table';
import { requireEnv } from '../support/platform';

// The run directory is named after this checkout's test database, so checkouts do not share one.
const testDb = new URL(requireEnv('DATABASE_URL')).pathname.slice(1);
const runDir = path.join(os.tmpdir(), `vibebox-chaos-${testDb}`);

/** Ports of its own: a developer's scripts/cluster.sh cluster or bench/chaos.ts may be running. */
const PORTS = { postgres: 5453, temporalPostgres: 5454, temporal: 7443, api: 3121, emulator: 9121 };
const PLAN: ChaosPlan = { kills: 3, temporalOutages: 1, requestsDuringOutage: 2, strikeWindowMs: 40_000 };
const BOXES = 3;
const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);

let cluster: Cluster;
let env: ChaosEnvironment;
/** Every pid the cluster ever had, to prove at the end that none survives. */
const pids = new Set<number>();
const results: ScenarioResult[] = [];

/** Containers of this run's boxes, whichever request made them (they carry the scenario's user). */
const ourContainers = async () =>
  (await new Docker().listContainers({ all: true, filters: { label: ['vibebox.emulated'] } })).filter((c) => results.some((r) => r.userId === c.Labels.userId));

const rememberPids = () => cluster.members.forEach((m) => m.pid && pids.add(m.pid));

beforeAll(async () => {
  cluster = await startChaosCluster({ runDir, temporalBinDir: requireEnv('VIBEBOX_TEMPORAL_SERVER_DIR'), ports: PORTS });
  rememberPids();
  env = await observeCluster(cluster);
}, 8 * 60_000);

afterAll(async () => {
  if (results.length) console.log(`chaos, ${BOXES} boxes per scenario:\n${chaosReport(results)}`);
  await env?.close();
  await cluster?.stop(); // idempotent: a no-op after the teardown test passed
  // After a failure midway, instances' containers would outlive the cluster: remove this run's.
  const docker = new Docker();
  for (const c of await ourContainers()) await docker.getContainer(c.Id).remove({ force: true });
});

it('runs every part as its own process: two Postgres servers, Temporal on SQL, two APIs, two workers, three emulators', () => {
  expect(cluster.members.map((m) => m.name)).toEqual([
    'postgres',
    'postgres-temporal',
    'emulator-aliyun',
    'emulator-tencent',
    'emulator-chinamobile',
    'temporal',
    'api-1',
    'api-2',
    'worker-1',
    'worker-2',
  ]);
  expect(pids.size).toBe(10);
  for (const m of cluster.members) expect(processAlive(m.pid!)).toBe(true);
  expect(cluster.appEnv.DATABASE_URL).toBe(`postgres://vibebox:vibebox@127.0.0.1:${PORTS.postgres}/vibebox`);
  expect(cluster.temporalAddress).toBe(`127.0.0.1:${PORTS.temporal}`);
});

async function scenario(name: ScenarioName): Promise<ScenarioResult> {
  const result = await runScenario(env, chaosScenario(name, PLAN), {
    boxes: BOXES,
    createDelayMs: 20_000,
    convergeTimeoutMs: 15 * 60_000,
    cleanupTimeoutMs: 5 * 60_000,
    seed,
  });
  results.push(result);
  rememberPids();
  const v = result.verdict;
  expect({ name, duplicates: v.duplicates, orphans: v.orphans, lost: v.lost, unsettled: v.unsettled, problems: result.problems }).toEqual({
    name,
    duplicates: 0,
    orphans: 0,
    lost: 0,
    unsettled: 0,
    problems: [],
  });
  // Every request of the load was accepted (those sent during an outage may be refused).
  expect(result.requests.filter((q) => q.phase === 'load').map((q) => q.status)).toEqual(Array(BOXES).fill(202));
  // The fault struck while boxes were in flight (else the scenario tested nothing), and every
  // process it took down came back.
  expect(result.fault.events.length).toBeGreaterThan(0);
  for (const e of result.fault.events) expect({ target: e.target, inFlight: e.inFlight > 0, back: e.backAt !== undefined }).toEqual({ target: e.target, inFlight: true, back: true });
  for (const m of cluster.members) expect({ name: m.name, running: m.isRunning() }).toEqual({ name: m.name, running: true });
  return result;
}

it('R1: workers SIGKILLed at random points — every box still settles, each interrupted step re-run on a live worker', async () => {
  const r = await scenario('R1');
  // A lost worker is no verdict on a step: the boxes become active, the wait and the Happy setup
  // the aimed kills interrupted having run again on a live worker.
  expect(r.verdict.active).toBe(BOXES);
  expect(r.reruns!.rerunByType.waitForStatus ?? 0).toBeGreaterThanOrEqual(1);
  expect(r.reruns!.rerunByType.configureHappy ?? 0).toBeGreaterThanOrEqual(1);
}, 30 * 60_000);

it('R2: the Temporal server SIGKILLed and restarted mid-flight — no box lost or doubled, the APIs answer meanwhile', async () => {
  const r = await scenario('R2');
  expect(r.verdict.active).toBe(BOXES);
  expect(r.fault.probes.length).toBeGreaterThan(0);
}, 30 * 60_000);

it("R3: the platform's Postgres down 30 s mid-flight — no box lost or doubled, the APIs answer meanwhile and serve again after", async () => {
  const r = await scenario('R3');
  expect(r.fault.probes.filter((p) => p.what === 'postgres down').length).toBeGreaterThan(0);
  expect(r.fault.probes.filter((p) => p.what === 'postgres back').some((p) => p.status === 200)).toBe(true);
}, 30 * 60_000);

it('teardown leaves no process and no container behind', async () => {
  await env.close();
  await cluster.stop();
  for (const m of cluster.members) expect({ name: m.name, pid: m.pid }).toEqual({ name: m.name, pid: undefined });
  for (const pid of pids) expect({ pid, alive: processAlive(pid) }).toEqual({ pid, alive: false });
  expect(await ourContainers()).toEqual([]);
}, 10 * 60_000);
