/**
 * The workflow's policies against the cloud emulators (real SDK clients on the wire, Docker-backed
 * instances): force fallbacks on stuck transitions, failover on no stock (next region, then next
 * provider), throttling backoff and Transient retries — each read back from the history.
 */
import { EmulatedCloud, EmulatorHandle } from '../../providers/emulation';
import { startLocalClouds, LocalClouds } from '../../providers/localClouds';
import { deleteUpdate, retryUpdate, startUpdate, stopUpdate } from '../../workflows/definitions';
import { policies } from '../../workflows/policies';
import { rowOf, scheduledActivities, startBox, timersStarted } from '../support/boxes';
import { eventually, startPlatform, TestPlatform } from '../support/platform';

let clouds: LocalClouds;
let aliyun: EmulatorHandle;
let p: TestPlatform;

beforeAll(async () => {
  clouds = await startLocalClouds({ VIBEBOX_EMULATOR_BACKING: 'docker', CHINAMOBILE_ENABLED: 'false' });
  aliyun = clouds.handles.find((h) => h.cloud.cloud === 'aliyun')!;
  p = await startPlatform({
    ...clouds.env,
    ENABLED_PROVIDERS: 'aliyun,tencent',
    ALIYUN_REGIONS: 'cn-hangzhou,cn-shanghai',
    TENCENT_REGIONS: 'ap-guangzhou',
  });
});
afterAll(async () => {
  await p?.close();
  await clouds?.close();
});
afterEach(async () => {
  for (const h of clouds.handles) {
    h.cloud.faults.clear();
    h.cloud.setStuck('stop', false);
  }
});

/** Deletes still finishing give their stock back; wait for them so a stock level set now holds. */
async function settleDeletes(cloud: EmulatedCloud) {
  await eventually(async () => cloud.list({ states: ['deleting'] }).length, (n) => n === 0, 60_000, 200);
}

function setRegionStock(cloud: EmulatedCloud, regionId: string, count: number) {
  const region = cloud.catalog.regions.find((r) => r.regionId === regionId)!;
  for (const zone of region.zones) for (const t of cloud.catalog.instanceTypes) cloud.setStock(regionId, zone, t.instanceType, count);
}

async function deleteBox(box: Awaited<ReturnType<typeof startBox>>) {
  await box.handle.executeUpdate(deleteUpdate);
  await box.handle.result();
}

it('stop falls back to force stop when the graceful stop does not finish within the stop timeout', async () => {
  const box = await startBox(p, { providerType: 'aliyun', policyOverrides: { stop: { timeout: 3_000 } } });
  await box.waitFor('active');
  aliyun.cloud.setStuck('stop', true); // the graceful stop never completes
  await box.handle.executeUpdate(stopUpdate);
  expect((await box.state()).status).toBe('stopped');
  const stops = (await scheduledActivities(box.handle)).filter((a) => a.type === 'providerAction' && a.input.action === 'stop');
  expect(stops.map((s) => Boolean(s.input.force))).toEqual([false, true]);
  await deleteBox(box);
});

it('delete falls back to force delete when the graceful delete fails', async () => {
  const box = await startBox(p, { providerType: 'aliyun' });
  const active = await box.waitFor('active');
  // ECS refuses the graceful DeleteInstance once (as for an instance whose state is changing).
  aliyun.cloud.faults.inject({ action: 'DeleteInstance', kind: 'error', code: 'IncorrectState', times: 1 });
  await deleteBox(box);
  const deletes = (await scheduledActivities(box.handle)).filter((a) => a.type === 'providerAction' && a.input.action === 'delete');
  expect(deletes.map((d) => Boolean(d.input.force))).toEqual([false, true]);
  // ECS hides a deleting instance at once; the emulated machine itself goes after the delete delay.
  await expect(aliyun.cloud.waitForState(active.resource!.resourceId, 'deleted', 60_000)).resolves.toBeUndefined();
});

it('a delete that keeps failing marks the box error and is tried again until the resource is gone', async () => {
  const box = await startBox(p, { providerType: 'aliyun', policyOverrides: { delete: { keepTryingEvery: 1_000, keepTryingMax: 2_000 } } });
  const active = await box.waitFor('active');
  aliyun.cloud.faults.inject({ action: 'DeleteInstance', kind: 'http5xx', status: 503, times: 'forever' });
  const deleting = box.handle.executeUpdate(deleteUpdate);
  const failing = await eventually(box.state, (s) => s.status === 'error', 120_000, 200);
  expect(failing.lastError).toMatch(/^delete failed, retrying/);
  // Meanwhile nothing else may start.
  await expect(box.handle.executeUpdate(retryUpdate)).rejects.toThrow(/delete is still being retried/);
  aliyun.cloud.faults.clear();
  await deleting;
  await box.handle.result();
  await expect(aliyun.cloud.waitForState(active.resource!.resourceId, 'deleted', 60_000)).resolves.toBeUndefined();
});

it('a start that keeps failing is tried twice, 3 s apart, and leaves the box stopped', async () => {
  const box = await startBox(p, { providerType: 'aliyun' });
  await box.waitFor('active');
  await box.handle.executeUpdate(stopUpdate);
  aliyun.cloud.faults.inject({ action: 'StartInstance', kind: 'http5xx', status: 503, times: 'forever' });
  await box.handle.executeUpdate(startUpdate);
  const after = await box.state();
  expect(after).toMatchObject({ status: 'stopped', lastError: expect.stringMatching(/^start failed/) });
  const starts = (await scheduledActivities(box.handle)).filter((a) => a.type === 'providerAction' && a.input.action === 'start');
  expect(starts).toHaveLength(policies.start.maxAttempts);
  aliyun.cloud.faults.clear();
  await deleteBox(box);
});

it('cancelling a box\'s workflow mid-provisioning or once active tears the box down', async () => {
  // Mid-provisioning: the instance exists but is slow to boot when the cancel comes.
  const usual = aliyun.cloud.getDelays();
  aliyun.cloud.setDelays({ create: 60_000 });
  const booting = await startBox(p, { providerType: 'aliyun' });
  const created = await eventually(booting.state, (s) => s.resource !== undefined, 60_000, 200);
  aliyun.cloud.setDelays(usual);
  await booting.handle.cancel();
  await expect(booting.handle.result()).rejects.toThrow();
  await expect(aliyun.cloud.waitForState(created.resource!.resourceId, 'deleted', 60_000)).resolves.toBeUndefined();
  expect(await rowOf(p, booting.id)).toBeUndefined();

  // Active: same outcome.
  const active = await startBox(p, { providerType: 'aliyun' });
  const placed = await active.waitFor('active');
  await active.handle.cancel();
  await expect(active.handle.result()).rejects.toThrow();
  await expect(aliyun.cloud.waitForState(placed.resource!.resourceId, 'deleted', 60_000)).resolves.toBeUndefined();
  expect(await rowOf(p, active.id)).toBeUndefined();
});

it('no stock fails over to the next region, then to the next provider', async () => {
  await settleDeletes(aliyun.cloud);
  setRegionStock(aliyun.cloud, 'cn-hangzhou', 0);
  try {
    const nextRegion = await startBox(p, { providerType: 'aliyun' });
    const placed = await nextRegion.waitFor('active');
    expect(placed.resource).toMatchObject({ providerType: 'aliyun', region: 'cn-shanghai' });

    setRegionStock(aliyun.cloud, 'cn-shanghai', 0);
    // Another provider only because the request allows it (a pin is otherwise honoured).
    const nextProvider = await startBox(p, { providerType: 'aliyun', placement: { fallback: true } });
    expect((await nextProvider.waitFor('active')).resource).toMatchObject({ providerType: 'tencent', region: 'ap-guangzhou' });
    // A try is the placement (zone and type, chosen once per candidate) and the create; with no
    // stock the placement may already say so, and then no create is sent.
    const tries = (await scheduledActivities(nextProvider.handle)).filter((a) => a.type === 'choosePlacement' || a.type === 'createResource');
    const where = tries.map((c) => `${c.input.candidate.providerType}/${c.input.candidate.region}`);
    // Seed: no stock is retried (3 tries, 5 s apart), then the next region, then the next provider.
    const n = policies.create.maxAttempts;
    expect([...new Set(where)]).toEqual(['aliyun/cn-hangzhou', 'aliyun/cn-shanghai', 'tencent/ap-guangzhou']);
    for (const region of ['aliyun/cn-hangzhou', 'aliyun/cn-shanghai']) expect(where.filter((w) => w === region).length).toBeGreaterThanOrEqual(n);
    expect((await timersStarted(nextProvider.handle)).slice(0, 2 * (n - 1))).toEqual(Array(2 * (n - 1)).fill(policies.create.interval));
    expect(tries.slice(-1)[0]).toMatchObject({ type: 'createResource', input: { candidate: { providerType: 'tencent' } } });
    await Promise.all([deleteBox(nextRegion), deleteBox(nextProvider)]);
  } finally {
    setRegionStock(aliyun.cloud, 'cn-hangzhou', 1000);
    setRegionStock(aliyun.cloud, 'cn-shanghai', 1000);
  }
});

it('throttled creates back off 1-2-4-8 s and succeed on the last of the 5 tries', async () => {
  const throttledTries = policies.throttling.maxAttempts - 1;
  aliyun.cloud.faults.inject({ action: 'RunInstances', kind: 'throttle', times: throttledTries, retryAfterSeconds: 0 });
  const box = await startBox(p, { providerType: 'aliyun' });
  await box.waitFor('active');
  const creates = (await scheduledActivities(box.handle)).filter((a) => a.type === 'createResource');
  expect(creates).toHaveLength(policies.throttling.maxAttempts);
  expect((await timersStarted(box.handle)).slice(0, throttledTries)).toEqual([1_000, 2_000, 4_000, 8_000]);
  await deleteBox(box);
});

it('a create that fails Transient is tried 3 times, 5 s apart, then the box is error', async () => {
  aliyun.cloud.faults.inject({ action: 'RunInstances', kind: 'http5xx', status: 503, times: 'forever' });
  const box = await startBox(p, { providerType: 'aliyun', region: 'cn-hangzhou' });
  const failed = await box.waitFor('error');
  expect(failed.lastError).toMatch(/^Transient/);
  const creates = (await scheduledActivities(box.handle)).filter((a) => a.type === 'createResource');
  // Transient is not a failover reason: every try is in the first region.
  expect(creates.map((c) => c.input.candidate.region)).toEqual(Array(policies.create.maxAttempts).fill('cn-hangzhou'));
  expect(await timersStarted(box.handle)).toEqual(Array(policies.create.maxAttempts - 1).fill(policies.create.interval));
  await deleteBox(box);
});
