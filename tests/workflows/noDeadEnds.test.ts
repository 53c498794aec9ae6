/**
 * No dead ends (issue 7): a box the user can do nothing with is a bug. Retry has an HTTP route;
 * a box still provisioning can be deleted; a stop or start that ran out of time while the cloud
 * was still in transition settles where the cloud ends up instead of declaring `error`. Against
 * the Aliyun emulator (address-only instances) through the real platform and API.
 */
import { EmulatorHandle } from '../../providers/emulation';
import { startUpdate, stopUpdate, deleteUpdate } from '../../workflows/definitions';
import { aliyunPlatform, runningInstance } from '../support/aliyunPlatform';
import { adoptBox, scheduledActivities } from '../support/boxes';
import { eventually, TestPlatform } from '../support/platform';

const ctx = aliyunPlatform();
let aliyun: EmulatorHandle;
let p: TestPlatform;
beforeAll(() => {
  ({ aliyun, p } = ctx);
});

it('a stop and a start that outlast their timeouts while the cloud is still Stopping / Starting settle where the cloud ends up', async () => {
  const usual = aliyun.cloud.getDelays();
  // Slower than the graceful try and the forced one together: both time out mid-transition.
  aliyun.cloud.setDelays({ stop: 8_000, start: 8_000 });
  try {
    const box = await adoptBox(p, await runningInstance(ctx), 'active', {
      policyOverrides: {
        stop: { timeout: 1_500, forceTimeout: 1_500 },
        start: { timeout: 1_500, interval: 500 },
        settle: { timeout: 60_000 },
      },
    });
    await box.handle.executeUpdate(stopUpdate);
    const stopped = await box.state();
    expect(stopped.status).toBe('stopped');
    expect(stopped.lastError).toBeUndefined();
    // Both tries ran out of time: the box was settled by waiting for the cloud, not declared broken.
    const stops = (await scheduledActivities(box.handle)).filter((a) => a.type === 'providerAction' && a.input.action === 'stop');
    expect(stops.map((s) => Boolean(s.input.force))).toEqual([false, true]);

    await box.handle.executeUpdate(startUpdate);
    const started = await box.state();
    expect(started.status).toBe('active');
    expect(started.lastError).toBeUndefined();
    const starts = (await scheduledActivities(box.handle)).filter((a) => a.type === 'providerAction' && a.input.action === 'start');
    expect(starts).toHaveLength(2);

    aliyun.cloud.setDelays(usual);
    await box.handle.executeUpdate(deleteUpdate);
    await box.handle.result();
  } finally {
    aliyun.cloud.setDelays(usual);
  }
});

it('a box in error is retried over HTTP, and a box still provisioning can be deleted over HTTP', async () => {
  const owner = await p.newUser();
  const stranger = await p.newUser();
  aliyun.cloud.faults.inject({ action: 'RunInstances', kind: 'error', code: 'InvalidParameter', times: 'forever' });
  const created = await p.call(owner.token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'aliyun' });
  expect(created.status).toBe(202);
  const id: string = created.body.id;
  const get = () => p.call(owner.token, 'GET', `/api/vibeboxes/${id}`);
  const failed = await eventually(get, (r) => r.body.status === 'error', 60_000, 200);
  expect(failed.body.lastError).toMatch(/^InvalidRequest/);

  expect((await p.call(stranger.token, 'POST', `/api/vibeboxes/${id}/retry`)).status).toBe(404);
  aliyun.cloud.faults.clear();
  const retried = await p.call(owner.token, 'POST', `/api/vibeboxes/${id}/retry`);
  expect(retried).toEqual({ status: 202, body: { success: true, message: 'VibeBox is being provisioned again', status: 'provisioning' } });
  const again = await p.call(owner.token, 'POST', `/api/vibeboxes/${id}/retry`);
  expect(again.status).toBe(409);
  expect(again.body.error.message).toMatch(/cannot retry a VibeBox that is provisioning \(allowed: delete\)/);

  // Provisioning again — its instance made, Happy not yet there — and deleted all the same.
  await eventually(get, (r) => r.body.resourceId !== null, 60_000, 200);
  expect((await get()).body.status).toBe('provisioning');
  const deleted = await p.call(owner.token, 'DELETE', `/api/vibeboxes/${id}`);
  expect(deleted.status).toBe(202);
  await eventually(get, (r) => r.status === 404, 60_000, 200);
  expect(aliyun.cloud.list({ tags: { vibeboxId: id } }).filter((i) => i.state !== 'deleting')).toEqual([]);
});
