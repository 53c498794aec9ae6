/**
 * Durable create (issue 7): every path by which a create used to leave a paid machine with no
 * owner, each driven through the real workflow, the real worker and Postgres against the Aliyun
 * emulator (address-only instances, so no box gets as far as SSH) or the real Docker engine:
 * the Postgres write after the create fails; the create's answer is lost and the type it chose
 * runs out; the cloud does not list a new instance for a moment; the workflow is cancelled, or
 * the box deleted, while the create is in flight. The ECloud order that outlives every retry is
 * in reconciler.test.ts (the reconciler is what removes it).
 */
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { EmulatorHandle } from '../../providers/emulation';
import { deleteUpdate } from '../../workflows/definitions';
import { aliyunPlatform } from '../support/aliyunPlatform';
import { activityRunning, rowOf, scheduledActivities, startBox } from '../support/boxes';
import { eventually, TestPlatform } from '../support/platform';

const docker = new Docker();
const ctx = aliyunPlatform({ ENABLED_PROVIDERS: 'aliyun,docker' });
let aliyun: EmulatorHandle;
let p: TestPlatform;
beforeAll(() => {
  ({ aliyun, p } = ctx);
});
afterEach(() => aliyun.cloud.faults.clear());

/** The box's instances the emulator still has (not being deleted). */
const instancesOf = (vibeboxId: string) => aliyun.cloud.list({ tags: { vibeboxId } }).filter((i) => i.state !== 'deleting');
const containersOf = (vibeboxId: string) => docker.listContainers({ all: true, filters: { label: [`vibeboxId=${vibeboxId}`] } });

async function deleteAndExpectNothingLeft(box: Awaited<ReturnType<typeof startBox>>) {
  await box.handle.executeUpdate(deleteUpdate);
  await box.handle.result();
  await eventually(async () => instancesOf(box.id), (left) => left.length === 0, 30_000, 100);
  expect(await rowOf(p, box.id)).toBeUndefined();
}

it('a failed Postgres write after the create loses nothing: the resource is in workflow state first', async () => {
  // Postgres refuses, for this box, the write that goes with a new machine (forgetting the host key of an earlier one).
  const trigger = `refuse_${randomUUID().slice(0, 8)}`;
  const box = await startBox(p, { providerType: 'aliyun', policyOverrides: { create: { interval: 500 } } }, { sshHostKey: 'SHA256:an-earlier-machine' });
  await p.database.db.execute(
    sql.raw(`CREATE OR REPLACE FUNCTION vibebox_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected: write refused'; END $$;
             CREATE TRIGGER ${trigger} BEFORE UPDATE ON vibeboxes FOR EACH ROW
             WHEN (OLD.id = '${box.id}' AND NEW.ssh_host_key IS DISTINCT FROM OLD.ssh_host_key) EXECUTE FUNCTION vibebox_test_refuse();`),
  );
  try {
    const seen = await eventually(box.state, (s) => s.resource !== undefined || s.status === 'error', 60_000, 100);
    expect(seen).toMatchObject({ status: 'provisioning', resource: { resourceId: expect.any(String) } });
    // The projection is behind (Postgres still refuses) and keeps being retried; the workflow knows.
    expect((await rowOf(p, box.id)).resourceId).toBeNull();
    await p.database.db.execute(sql.raw(`DROP TRIGGER ${trigger} ON vibeboxes`));
    const row = await eventually(() => rowOf(p, box.id), (r) => r.resourceId === seen.resource!.resourceId, 60_000, 200);
    expect(row.sshHostKey).toBeNull(); // a new machine: the earlier one's key is forgotten
    expect(instancesOf(box.id).map((i) => i.id)).toEqual([seen.resource!.resourceId]);
    await deleteAndExpectNothingLeft(box);
  } finally {
    await p.database.db.execute(sql.raw(`DROP TRIGGER IF EXISTS ${trigger} ON vibeboxes`));
  }
});

it("a create whose answer is lost is found again by its token, with the same placement, even once that type is sold out", async () => {
  aliyun.cloud.faults.inject({ action: 'RunInstances', kind: 'dropAnswer', times: 1 });
  const box = await startBox(p, { providerType: 'aliyun', policyOverrides: { create: { interval: 2_000 } } });
  const [made] = await eventually(async () => instancesOf(box.id), (l) => l.length > 0, 60_000, 50);
  // Between the lost answer and the retry, the type the first try chose runs out everywhere.
  const region = aliyun.cloud.catalog.regions.find((r) => r.regionId === 'cn-hangzhou')!;
  const before = aliyun.cloud.stockOf('cn-hangzhou', made.zone, made.instanceType);
  for (const zone of region.zones) aliyun.cloud.setStock('cn-hangzhou', zone, made.instanceType, 0);
  try {
    const seen = await eventually(box.state, (s) => s.resource !== undefined || s.status === 'error', 60_000, 100);
    expect(seen).toMatchObject({ status: 'provisioning', resource: { resourceId: made.id } });
    expect(instancesOf(box.id)).toHaveLength(1);
    const creates = (await scheduledActivities(box.handle)).filter((a) => a.type === 'createResource');
    expect(creates.map((c) => [c.input.candidate.instanceType, c.input.candidate.zone, c.input.clientToken])).toEqual([
      [made.instanceType, made.zone, creates[0].input.clientToken],
      [made.instanceType, made.zone, creates[0].input.clientToken],
    ]);
    expect(creates[1].input.lookFirst).toBe(true);
    await deleteAndExpectNothingLeft(box);
  } finally {
    for (const zone of region.zones) aliyun.cloud.setStock('cn-hangzhou', zone, made.instanceType, before);
  }
});

it('an instance the cloud does not list yet right after its create is waited for, not given up as gone', async () => {
  // Eventual consistency: the first describes after RunInstances answer "no such instance".
  aliyun.cloud.faults.inject({ action: 'DescribeInstances', kind: 'error', code: 'NotFound', times: 3 });
  const box = await startBox(p, { providerType: 'aliyun' });
  const running = await eventually(box.state, (s) => s.resource?.lastSeenStatus === 'RUNNING' || s.status === 'error', 60_000, 100);
  expect(running.status).toBe('provisioning');
  expect(running.lastError).toBeUndefined();
  expect(aliyun.cloud.faults.list()).toEqual([]); // all three "not found" answers were seen and outlasted
  await deleteAndExpectNothingLeft(box);
});

it('a delete right after the create, while the cloud does not list the instance yet, still removes it', async () => {
  const box = await startBox(p, { providerType: 'aliyun' });
  await eventually(box.state, (s) => s.resource !== undefined, 60_000, 20);
  aliyun.cloud.faults.inject({ action: 'DescribeInstances', kind: 'error', code: 'NotFound', times: 3 });
  await deleteAndExpectNothingLeft(box);
});

it('cancelling the workflow while the create is in flight waits for the create, then deletes what it made', async () => {
  const box = await startBox(p, { providerType: 'docker' });
  await activityRunning(box.handle, 'createResource');
  await box.handle.cancel();
  await expect(box.handle.result()).rejects.toThrow();
  await eventually(() => containersOf(box.id), (left) => left.length === 0, 30_000, 200);
  expect(await rowOf(p, box.id)).toBeUndefined();
});

it('a box can be deleted while provisioning, its create in flight: provisioning stops, nothing is left', async () => {
  const box = await startBox(p, { providerType: 'docker' });
  await activityRunning(box.handle, 'createResource');
  await box.handle.executeUpdate(deleteUpdate);
  await box.handle.result();
  expect(await containersOf(box.id)).toEqual([]);
  expect(await rowOf(p, box.id)).toBeUndefined();
  // The create in flight was let finish (its outcome was needed), and what it made was deleted.
  const activities = (await scheduledActivities(box.handle)).map((a) => a.type);
  expect(activities).toContain('createResource');
  expect(activities).not.toContain('configureHappy');
});
