/**
 * The reconciler on a real platform (worker, Temporal dev server, Postgres), against the real
 * Docker engine — which other test platforms share, so its scoping by deployment is under test
 * too — and the ECloud emulator (address-only instances). Graces are seconds here (the platform's
 * RECONCILE_* settings, as an operator would set them); runs are started by triggering the
 * Schedule, or as the same workflow directly when a test needs its report.
 */
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { providerCalls, reconcileRuns, vibeboxes } from '../../drizzle/schema';
import { newVibeBoxId } from '../../api/vibeboxService';
import { DockerProvider } from '../../providers/docker/adapter';
import { EmulatorHandle } from '../../providers/emulation';
import { startLocalClouds, LocalClouds } from '../../providers/localClouds';
import { WorkflowUpdateStage } from '@temporalio/client';
import { ResourceInfo } from '../../providers/types';
import { deleteUpdate, PlacedResource, retryUpdate, stateQuery, workflowIdFor } from '../../workflows/definitions';
import { reconcilerWorkflow } from '../../workflows/reconciler';
import { reconcileScheduleId } from '../../workflows/schedules';
import { adoptBox, insertBoxRow, rowOf, scheduledActivities, startBox } from '../support/boxes';
import { eventually, startPlatform, TestPlatform } from '../support/platform';

const GRACE_S = 8;
const docker = new Docker();
let clouds: LocalClouds;
let ecloud: EmulatorHandle;
let dockerProvider: DockerProvider;
let p: TestPlatform;
const made: string[] = [];

beforeAll(async () => {
  clouds = await startLocalClouds({ VIBEBOX_EMULATOR_BACKING: 'none', ALIYUN_ENABLED: 'false', TENCENT_ENABLED: 'false' });
  ecloud = clouds.handles.find((h) => h.cloud.cloud === 'chinamobile')!;
  p = await startPlatform({
    ...clouds.env,
    ENABLED_PROVIDERS: 'docker,chinamobile',
    RECONCILE_ORPHAN_GRACE_SECONDS: String(GRACE_S),
    RECONCILE_ROW_GRACE_SECONDS: '1',
  });
  dockerProvider = new DockerProvider();
  await dockerProvider.initialize({ type: 'docker', options: {} });
});
afterAll(async () => {
  for (const id of made) await dockerProvider.deleteResource(id, { force: true }).catch(() => undefined);
  await p?.close();
  await clouds?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A container tagged as the platform tags what it makes (or as another platform would). */
async function container(vibeboxId: string, deployment = p.deployment): Promise<ResourceInfo> {
  const info = await dockerProvider.createResource({
    cpu: 1,
    memory: 1,
    disk: 10,
    clientToken: `reconcile-test-${randomUUID().slice(0, 8)}`,
    tags: { project: 'vibebox', 'vibebox:deployment': deployment, vibeboxId, userId: 'reconcile-test' },
  });
  made.push(info.id);
  return info;
}

const placed = (info: ResourceInfo): PlacedResource => ({
  providerType: 'docker',
  region: 'local',
  resourceId: info.id,
  ipAddress: info.ipAddress,
  sshPort: info.sshPort,
  sshUser: info.sshUser,
  metadata: {},
});

const exists = async (id: string) => (await docker.listContainers({ all: true, filters: { id: [id] } })).length > 0;

/** One reconcile run, started directly (the Schedule starts the same workflow), with this platform's graces unless told. */
function reconcile(dryRun = false, orphanGrace = GRACE_S * 1000) {
  return p.temporal.workflow.execute(reconcilerWorkflow, {
    taskQueue: p.config.TEMPORAL_TASK_QUEUE,
    workflowId: `${p.config.TEMPORAL_TASK_QUEUE}/reconcile-test-${randomUUID().slice(0, 8)}`,
    args: [{ dryRun, policyOverrides: { reconcile: { orphanGrace, rowGrace: 1000 } } }],
  });
}

const dockerFindings = (report: Awaited<ReturnType<typeof reconcile>>) => report.regions.find((r) => r.providerType === 'docker')!;

it("deletes a tagged resource no box owns once past the grace — audited and recorded — and leaves owned and other platforms' alone; a dry run only reports", async () => {
  const orphan = await container(newVibeBoxId());
  const foreign = await container(newVibeBoxId(), `${p.deployment}-another-platform`);
  const ownerId = newVibeBoxId();
  const ownedResource = await container(ownerId);
  const owned = await adoptBox(p, placed(ownedResource), 'active', { vibeboxId: ownerId });

  // Younger than the grace: not an orphan yet (a create may still be on its way to its workflow).
  const early = dockerFindings(await reconcile(true, 10 * 60_000));
  expect(early.orphans).toEqual([]);
  expect(early.young).toBeGreaterThanOrEqual(1);

  await sleep(GRACE_S * 1000 + 500);
  const dry = dockerFindings(await reconcile(true));
  expect(dry.orphans).toEqual([expect.objectContaining({ resourceId: orphan.id, action: 'would delete', reason: expect.stringMatching(/no workflow/) })]);
  expect(await exists(orphan.id)).toBe(true); // a dry run does nothing

  // The real run, as the Schedule starts it.
  const triggeredAt = new Date();
  await p.temporal.schedule.getHandle(reconcileScheduleId(p.config.TEMPORAL_TASK_QUEUE)).trigger();
  const [run] = await eventually(
    () => p.database.db.select().from(reconcileRuns).where(and(eq(reconcileRuns.deployment, p.deployment), eq(reconcileRuns.dryRun, false))).orderBy(desc(reconcileRuns.startedAt)).limit(1),
    (rows) => rows.length > 0 && rows[0].startedAt >= new Date(triggeredAt.getTime() - 1000),
    60_000,
    250,
  );
  expect(run.orphansDeleted).toBeGreaterThanOrEqual(1);
  expect(JSON.stringify(run.findings)).toContain(orphan.id);
  await eventually(() => exists(orphan.id), (e) => !e, 30_000, 200);
  expect(await exists(foreign.id)).toBe(true);
  expect(await exists(ownedResource.id)).toBe(true);
  // Through the ordinary activity: the audit log has the forced delete, under the box the resource was made for.
  const audit = await p.database.db.select().from(providerCalls).where(eq(providerCalls.resourceId, orphan.id));
  expect(audit.map((a) => a.action)).toContain('forceDeleteResource');

  await owned.handle.executeUpdate(deleteUpdate);
  await owned.handle.result();
});

it('a box whose resource vanished is told so, looks for itself, and becomes error — from which retry provisions again', async () => {
  const id = newVibeBoxId();
  const gone = await container(id);
  const box = await adoptBox(p, placed(gone), 'active', { vibeboxId: id });
  await docker.getContainer(gone.id).remove({ force: true });
  await sleep(1200); // past the row grace

  const findings = dockerFindings(await reconcile());
  expect(findings.vanished).toEqual([{ vibeboxId: id, resourceId: gone.id, action: 'reported' }]);
  const failed = await eventually(box.state, (s) => s.status === 'error', 30_000, 200);
  expect(failed.lastError).toMatch(/^resource vanished/);
  expect(failed.resource).toBeUndefined();
  expect((await rowOf(p, id)).status).toBe('error');
  // Not a dead end: retry is allowed (it provisions a new machine), and so is delete meanwhile.
  await box.handle.startUpdate(retryUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED });
  await box.handle.executeUpdate(deleteUpdate);
  await box.handle.result();
});

it('a provisioning row whose workflow never started (the API stopped in between) gets its workflow, and its start is marked', async () => {
  // As the API leaves it when it dies between the insert and the start: the start unconfirmed.
  const { id } = await insertBoxRow(p, { requestedProviderType: 'chinamobile', createdAt: new Date(Date.now() - 60_000), workflowStartedAt: null });
  const report = await reconcile();
  expect(report.rows).toContainEqual({ vibeboxId: id, workflow: 'none', action: 'started workflow' });
  expect((await rowOf(p, id)).workflowStartedAt).not.toBeNull();
  // A start whose answer was lost: the workflow runs, the row does not say so. The next run marks it.
  await p.database.db.update(vibeboxes).set({ workflowStartedAt: null }).where(eq(vibeboxes.id, id));
  const again = await reconcile();
  expect(again.rows).toContainEqual({ vibeboxId: id, workflow: 'running', action: expect.stringMatching(/^(confirmed start|reprojected)$/) });
  expect((await rowOf(p, id)).workflowStartedAt).not.toBeNull();
  const handle = p.temporal.workflow.getHandle(workflowIdFor(id));
  const provisioning = await eventually(() => handle.query(stateQuery), (s) => s.resource !== undefined, 60_000, 200);
  expect(provisioning.resource!.providerType).toBe('chinamobile');
  await handle.executeUpdate(deleteUpdate);
  await handle.result();
  expect(await rowOf(p, id)).toBeUndefined();
});

it('an ECloud order that outlives every create retry leaves an instance nothing could see: the reconciler removes it', async () => {
  // From the moment the order makes the instance, every describe fails: the order never resolves.
  const id = newVibeBoxId();
  const stopWatching = ecloud.cloud.onChange((inst) => {
    if (inst.tags.vibeboxId !== id) return;
    stopWatching();
    ecloud.cloud.faults.inject({ action: 'DescribeInstances', kind: 'http5xx', times: 'forever' });
  });
  const box = await startBox(p, {
    vibeboxId: id,
    providerType: 'chinamobile',
    policyOverrides: { create: { maxAttempts: 2, interval: 200 }, createCall: { timeout: 1_500 } },
  });
  const failed = await box.waitFor('error', 60_000).catch(() => box.state());
  expect(failed.status).toBe('error');
  const leftover = ecloud.cloud.list({ tags: { vibeboxId: box.id } });
  expect(leftover).toHaveLength(1);
  // After the cloud accepted the create, the retry only looked for it: one order, never two.
  const creates = (await scheduledActivities(box.handle)).filter((a) => a.type === 'createResource');
  expect(creates.map((c) => Boolean(c.input.onlyLook))).toEqual([false, true]);
  const orders = await p.database.db.select().from(providerCalls).where(and(eq(providerCalls.vibeboxId, box.id), eq(providerCalls.action, 'createResource:CreateInstances')));
  expect(orders).toHaveLength(1);

  ecloud.cloud.faults.clear();
  await sleep(GRACE_S * 1000);
  const findings = (await reconcile()).regions.find((r) => r.providerType === 'chinamobile')!;
  expect(findings.orphans).toContainEqual(expect.objectContaining({ resourceId: leftover[0].id, vibeboxId: box.id, action: 'deleted' }));
  await eventually(async () => ecloud.cloud.list({ tags: { vibeboxId: box.id } }).filter((i) => i.state !== 'deleting'), (l) => l.length === 0, 30_000, 200);
  await box.handle.executeUpdate(deleteUpdate);
  await box.handle.result();
});
