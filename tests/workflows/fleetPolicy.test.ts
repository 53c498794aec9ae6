/**
 * Fleet policy on Temporal's time-skipping test server, with the seed's real numbers from
 * policies.ts (5-minute health period, 3 failures, create retried 3 times 5 s apart): the real
 * worker activities, real Postgres, and the Aliyun and Tencent emulators (real SDKs on the wire,
 * instances without machines) broken through their control API. Covers: a provider down for 3
 * checks gets no new boxes and gets them again after one good check (with the alerts), a pinned
 * provider is honoured (no silent fallback), and a create failing AuthFailed, or Transient after
 * its retries, moves to the next candidate when the request allows it.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { eq, inArray } from 'drizzle-orm';
import { createActivities } from '../../activities';
import { happySettingsFrom } from '../../activities/happySettings';
import { providerHealth, users, vibeboxes } from '../../drizzle/schema';
import { loadConfig } from '../../lib/config';
import { connectDatabase, Database, migrateDatabase } from '../../lib/db';
import { createLogger, Logger } from '../../lib/logger';
import { SecretBox } from '../../lib/secretBox';
import { EmulatorControlClient } from '../../providers/emulation/controlClient';
import type { EmulatorHandle } from '../../providers/emulation';
import { createProviderFactory } from '../../providers/factory';
import { LocalClouds, startLocalClouds } from '../../providers/localClouds';
import { ProviderPool } from '../../providers/pool';
import { ResourceStatus } from '../../providers/types';
import { newVibeBoxId } from '../../api/vibeboxService';
import { HealthRecord, stateQuery, VibeBoxState, VibeBoxWorkflowInput, workflowIdFor } from '../../workflows/definitions';
import { policies } from '../../workflows/policies';
import { providerHealthWorkflow } from '../../workflows/providerHealth';
import { vibeBoxWorkflow } from '../../workflows/vibebox';
import { scheduledActivities, timersStarted } from '../support/boxes';
import { requireEnv } from '../support/platform';
import { createTimeSkippingEnv } from '../support/timeSkipping';

// Regions no other test file uses: health rows are per (provider, region) in the shared database.
const ALIYUN_REGION = 'cn-shenzhen';
const TENCENT_REGION = 'ap-beijing';

let env: TestWorkflowEnvironment;
let clouds: LocalClouds;
let database: Database;
let aliyun: EmulatorHandle;
let aliyunControl: EmulatorControlClient;
let userId: string;

beforeAll(async () => {
  [env, clouds] = await Promise.all([createTimeSkippingEnv(), startLocalClouds({ VIBEBOX_EMULATOR_BACKING: 'none', CHINAMOBILE_ENABLED: 'false' })]);
  aliyun = clouds.handles.find((h) => h.cloud.cloud === 'aliyun')!;
  aliyunControl = new EmulatorControlClient(aliyun.url);
  database = connectDatabase(requireEnv('DATABASE_URL'), policies.dependencies.database);
  await migrateDatabase(database);
  await clearHealth();
  [{ id: userId }] = await database.db.insert(users).values({ email: `fleet-${randomUUID().slice(0, 8)}@test.vibebox` }).returning();
});
afterAll(async () => {
  await clearHealth().catch(() => undefined);
  await database?.db.delete(users).where(eq(users.id, userId)).catch(() => undefined);
  await env?.teardown();
  await clouds?.close();
  await database?.close();
});
afterEach(async () => {
  await aliyunControl.clearFaults();
});

function clearHealth() {
  return database.db.delete(providerHealth).where(inArray(providerHealth.region, [ALIYUN_REGION, TENCENT_REGION]));
}

/** A worker with the real activities on its own task queue, for `providerEnv`; its alerts recorded. */
async function withWorker<T>(providerEnv: Record<string, string>, fn: (w: { taskQueue: string; alerts: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> }) => Promise<T>): Promise<T> {
  const taskQueue = `fleet-${randomUUID().slice(0, 8)}`;
  const alerts: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const real = createLogger('worker');
  const recording = (level: 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => {
    alerts.push({ level, msg, fields });
    real[level](msg, fields);
  };
  const log: Logger = { ...real, warn: recording('warn'), error: recording('error'), child: () => log };
  const providers = new ProviderPool(createProviderFactory(), {
    ...clouds.env,
    ENABLED_PROVIDERS: 'aliyun,tencent',
    ALIYUN_REGIONS: ALIYUN_REGION,
    TENCENT_REGIONS: TENCENT_REGION,
    ...providerEnv,
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: createActivities({
      db: database.db,
      providers,
      secrets: new SecretBox(requireEnv('VIBEBOX_SECRET_KEY')),
      happy: happySettingsFrom(loadConfig(process.env)),
      databaseRetry: policies.dependencies.databaseRetry,
      log,
      temporal: env.client,
      deployment: `fleet-policy/${taskQueue}`,
    }),
  });
  return worker.runUntil(fn({ taskQueue, alerts }));
}

async function healthRound(taskQueue: string): Promise<Record<string, HealthRecord>> {
  const records = await env.client.workflow.execute(providerHealthWorkflow, { taskQueue, workflowId: `health-${randomUUID()}`, args: [{}] });
  return Object.fromEntries(records.map((r) => [r.providerType, r]));
}

/**
 * Starts a box's workflow as the API would (with its row) and waits until it has a resource, or
 * ends in error. No worker serves the configure queue: a placed box waits there, its place known.
 */
async function provisionBox(taskQueue: string, input: Partial<VibeBoxWorkflowInput>) {
  const id = newVibeBoxId();
  // A box's login password is sealed in its row before provisioning (the API does it): the create reads it from there.
  const sshPasswordEnc = new SecretBox(requireEnv('VIBEBOX_SECRET_KEY')).seal('Fleet-Policy-Passw0rd!');
  await database.db.insert(vibeboxes).values({ id, userId, planId: 'pro', status: 'provisioning', sshPasswordEnc });
  const handle = await env.client.workflow.start(vibeBoxWorkflow, {
    taskQueue,
    workflowId: workflowIdFor(id),
    args: [{ vibeboxId: id, userId, planId: 'pro', spec: { cpu: 1, memory: 1, disk: 10 }, ...input }],
  });
  let state: VibeBoxState;
  for (;;) {
    state = await handle.query(stateQuery);
    if (state.status === 'error' || state.resource?.lastSeenStatus === ResourceStatus.RUNNING) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const [row] = await database.db.select().from(vibeboxes).where(eq(vibeboxes.id, id));
  const scheduled = await scheduledActivities(handle);
  const where = (type: string) => scheduled.filter((a) => a.type === type).map((a) => `${a.input.candidate.providerType}/${a.input.candidate.region}`);
  // Durable create: zone and type are chosen (choosePlacement) before any create call, so no stock
  // anywhere in a region ends a try there, before createResource.
  const creates = where('createResource');
  const placements = where('choosePlacement');
  const timers = await timersStarted(handle);
  await handle.terminate('test done');
  await database.db.delete(vibeboxes).where(eq(vibeboxes.id, id));
  return { state, row, creates, placements, timers };
}

it('a provider failing 3 checks in a row (5 minutes apart) gets no new boxes; one good check brings it back; each change alerts', async () => {
  await withWorker({}, async ({ taskQueue, alerts }) => {
    await aliyunControl.injectFault({ action: 'DescribeRegions', kind: 'http5xx', status: 503, times: 'forever' });
    const { unavailableAfter, every } = policies.health;
    for (let round = 1; round <= unavailableAfter; round++) {
      if (round > 1) await env.sleep(every);
      const seen = await healthRound(taskQueue);
      expect(seen.aliyun).toMatchObject({ available: round < unavailableAfter, consecutiveFailures: round, lastError: expect.stringMatching(/^Transient: /) });
      expect(seen.tencent).toMatchObject({ available: true, consecutiveFailures: 0 });
      // The alert comes with the check that crosses the line, not before.
      expect(alerts.filter((a) => a.msg.startsWith('provider unavailable'))).toHaveLength(round < unavailableAfter ? 0 : 1);
    }
    const alert = alerts.find((a) => a.msg.startsWith('provider unavailable'))!;
    expect(alert).toMatchObject({ level: 'error', fields: { alert: 'provider_unavailable', providerType: 'aliyun', region: ALIYUN_REGION, consecutiveFailures: unavailableAfter } });
    const [stored] = await database.db.select().from(providerHealth).where(eq(providerHealth.region, ALIYUN_REGION));
    expect(stored).toMatchObject({ available: false, consecutiveFailures: unavailableAfter });

    // A new box goes elsewhere, and says why (in its state and in its row, which the API shows).
    const away = await provisionBox(taskQueue, {});
    expect(away.state.resource).toMatchObject({ providerType: 'tencent', region: TENCENT_REGION });
    expect(away.state.placement).toMatchObject({ strategy: 'auto', candidates: [{ providerType: 'tencent', region: TENCENT_REGION }] });
    expect(away.state.placement!.excluded).toEqual([
      { providerType: 'aliyun', region: ALIYUN_REGION, why: expect.stringContaining(`${unavailableAfter} failed health checks in a row`) },
    ]);
    expect(away.row.placement).toMatchObject({ reason: away.state.placement!.reason });
    expect(away.creates).toEqual([`tencent/${TENCENT_REGION}`]);

    // One good check later it is available again, with an alert of its own; new boxes may go there.
    await aliyunControl.clearFaults();
    await env.sleep(every);
    expect((await healthRound(taskQueue)).aliyun).toMatchObject({ available: true, consecutiveFailures: 0, lastError: null });
    expect(alerts.find((a) => a.msg.startsWith('provider available again'))).toMatchObject({ fields: { alert: 'provider_recovered', providerType: 'aliyun' } });
    const back = await provisionBox(taskQueue, { providerType: 'aliyun' });
    expect(back.state.resource).toMatchObject({ providerType: 'aliyun', region: ALIYUN_REGION });
  });
});

it('a pinned provider is honoured: out of stock there, the box ends in error with the reason — never silently on another provider', async () => {
  await withWorker({}, async ({ taskQueue }) => {
    for (const zone of aliyun.cloud.catalog.regions.find((r) => r.regionId === ALIYUN_REGION)!.zones) {
      for (const t of aliyun.cloud.catalog.instanceTypes) aliyun.cloud.setStock(ALIYUN_REGION, zone, t.instanceType, 0);
    }
    try {
      const pinned = await provisionBox(taskQueue, { providerType: 'aliyun' });
      expect(pinned.state).toMatchObject({ status: 'error', lastError: expect.stringMatching(new RegExp(`^InsufficientStock: aliyun/${ALIYUN_REGION}: `)) });
      // Every try was on the pinned provider: none reached another one.
      const tried = [...pinned.placements, ...pinned.creates];
      expect(tried.length).toBeGreaterThanOrEqual(1);
      expect(new Set(tried)).toEqual(new Set([`aliyun/${ALIYUN_REGION}`]));
      expect(pinned.state.placement).toMatchObject({ strategy: 'manual', fallback: false, candidates: [{ providerType: 'aliyun', region: ALIYUN_REGION }] });

      // The same request with fallback allowed moves on after the retries.
      const allowed = await provisionBox(taskQueue, { providerType: 'aliyun', placement: { fallback: true } });
      expect(allowed.state.resource).toMatchObject({ providerType: 'tencent' });
    } finally {
      for (const zone of aliyun.cloud.catalog.regions.find((r) => r.regionId === ALIYUN_REGION)!.zones) {
        for (const t of aliyun.cloud.catalog.instanceTypes) aliyun.cloud.setStock(ALIYUN_REGION, zone, t.instanceType, 1000);
      }
    }
  });
});

it('a create failing Transient after its 3 tries, 5 s apart, moves to the next candidate', async () => {
  await withWorker({}, async ({ taskQueue }) => {
    await aliyunControl.injectFault({ action: 'RunInstances', kind: 'http5xx', status: 503, times: 'forever' });
    const box = await provisionBox(taskQueue, { providerType: 'aliyun', placement: { fallback: true } });
    expect(box.creates).toEqual([...Array(policies.create.maxAttempts).fill(`aliyun/${ALIYUN_REGION}`), `tencent/${TENCENT_REGION}`]);
    expect(box.timers).toEqual(Array(policies.create.maxAttempts - 1).fill(policies.create.interval));
    expect(box.state.resource).toMatchObject({ providerType: 'tencent', region: TENCENT_REGION });
  });
});

it('a create failing AuthFailed (keys that do not work) moves to the next candidate at once', async () => {
  await withWorker({ ALIYUN_ACCESS_KEY_SECRET: 'not-the-secret' }, async ({ taskQueue }) => {
    const box = await provisionBox(taskQueue, { providerType: 'aliyun', placement: { fallback: true } });
    expect(box.creates).toEqual([`aliyun/${ALIYUN_REGION}`, `tencent/${TENCENT_REGION}`]);
    expect(box.state.resource).toMatchObject({ providerType: 'tencent', region: TENCENT_REGION });
  });
});

it('an enabled provider without keys is skipped by selection, not fatal, and fails its health checks saying why', async () => {
  await withWorker({ TENCENT_ACCESS_KEY_ID: '', TENCENT_ACCESS_KEY_SECRET: '' }, async ({ taskQueue }) => {
    const box = await provisionBox(taskQueue, {});
    expect(box.state.resource).toMatchObject({ providerType: 'aliyun', region: ALIYUN_REGION });
    expect(box.state.placement!.excluded).toEqual([{ providerType: 'tencent', region: TENCENT_REGION, why: expect.stringMatching(/^not usable: /) }]);
    expect((await healthRound(taskQueue)).tencent).toMatchObject({ available: true, consecutiveFailures: 1, lastError: expect.stringMatching(/^not usable: /) });
  });
});
