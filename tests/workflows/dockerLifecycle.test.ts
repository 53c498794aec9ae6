/**
 * vibeBoxWorkflow's policies on the real Temporal dev server with the real Docker provider:
 * force fallbacks, compensation, validators, continue-as-new and subscription expiry. Timings
 * are tightened through policyOverrides; everything else runs as written in policies.ts.
 */
import Docker from 'dockerode';
import { policies } from '../../workflows/policies';
import { deleteUpdate, restartUpdate, retryUpdate, startUpdate, stopUpdate } from '../../workflows/definitions';
import { rowOf, scheduledActivities, startBox } from '../support/boxes';
import { eventually, startPlatform, TestPlatform } from '../support/platform';

const docker = new Docker();
let p: TestPlatform;

beforeAll(async () => {
  p = await startPlatform({ ENABLED_PROVIDERS: 'docker' });
});
afterAll(() => p?.close());

const containersOf = (vibeboxId: string) => docker.listContainers({ all: true, filters: { label: [`vibeboxId=${vibeboxId}`] } });

it('a failure after the resource exists deletes it, marks the box error, and retry provisions again', async () => {
  // Happy cannot be installed from a package that does not exist: configure fails every time.
  const broken = await startPlatform({ ENABLED_PROVIDERS: 'docker', HAPPY_PACKAGES: 'vibebox-no-such-package-7f3a' });
  try {
    await provisioningFailsAndIsCleanedUp(broken);
  } finally {
    await broken.close();
  }
});

async function provisioningFailsAndIsCleanedUp(p: TestPlatform) {
  const box = await startBox(p, { policyOverrides: { configure: { interval: 500 } } });
  const failed = await box.waitFor('error');
  expect(failed.lastError).toMatch(/Happy setup failed/);
  expect(failed.resource).toBeUndefined();
  expect(await containersOf(box.id)).toEqual([]); // compensation removed the container
  const configureTries = (await scheduledActivities(box.handle)).filter((a) => a.type === 'configureHappy');
  expect(configureTries).toHaveLength(policies.configure.maxAttempts);
  expect((await rowOf(p, box.id)).status).toBe('error');

  // Not allowed from error: start. Allowed: retry and delete.
  await expect(box.handle.executeUpdate(startUpdate)).rejects.toThrow(/cannot start a VibeBox that is error/);
  await box.handle.executeUpdate(retryUpdate);
  const again = await box.waitFor('error');
  expect(again.round).toBe(2);
  await box.handle.executeUpdate(deleteUpdate);
  await box.handle.result();
  expect(await rowOf(p, box.id)).toBeUndefined();
}

it('a second action while one is in flight is rejected, not queued', async () => {
  const box = await startBox(p);
  await box.waitFor('active');
  await expect(box.handle.executeUpdate(startUpdate)).rejects.toThrow(/cannot start a VibeBox that is active/);
  const restarting = box.handle.executeUpdate(restartUpdate);
  await eventually(box.state, (s) => s.status === 'restarting', 30_000, 50);
  await expect(box.handle.executeUpdate(stopUpdate)).rejects.toThrow(/cannot stop a VibeBox that is restarting/);
  await restarting;
  expect((await box.state()).status).toBe('active');
  await box.handle.executeUpdate(deleteUpdate);
  await box.handle.result();
});

it('continues as new when the history passes the limit, carrying the box along', async () => {
  // 40 events: provisioning alone passes it, so the box continues as new once it is active.
  const box = await startBox(p, { policyOverrides: { history: { maxEvents: 40 } } });
  const firstRun = box.handle.firstExecutionRunId;
  await box.waitFor('active');
  await eventually(async () => (await box.handle.describe()).runId, (run) => run !== firstRun, 60_000);
  const first = await p.temporal.workflow.getHandle(box.handle.workflowId, firstRun).describe();
  expect(first.status.name).toBe('CONTINUED_AS_NEW');
  const carried = await box.state();
  expect(carried).toMatchObject({ status: 'active', round: 1 });
  expect(carried.resource?.resourceId).toBeTruthy();
  // The new run serves the box as the old one did.
  await box.handle.executeUpdate(stopUpdate);
  expect((await box.state()).status).toBe('stopped');
  await box.handle.executeUpdate(startUpdate);
  expect((await box.state()).status).toBe('active');
  await box.handle.executeUpdate(deleteUpdate);
  await box.handle.result();
  expect(await containersOf(box.id)).toEqual([]);
});

it('deletes the box when the subscription expires', async () => {
  const box = await startBox(p, { expiresAt: new Date(Date.now() + 20_000).toISOString() });
  await box.waitFor('active');
  await box.handle.result();
  expect(await containersOf(box.id)).toEqual([]);
  expect(await rowOf(p, box.id)).toBeUndefined();
});
