/**
 * The Postgres projection cannot go backwards, and can be rebuilt from the workflow (issue 7):
 * every state write carries a sequence number and an older one changes nothing; the operator's
 * `reproject` (CLI or signal) rewrites a wrong row, or re-creates a missing one, from the
 * workflow's state. Real Postgres and Temporal; boxes on the Aliyun emulator (address-only).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { vibeboxes } from '../../drizzle/schema';
import { newVibeBoxId } from '../../api/vibeboxService';
import { createStateActivities } from '../../activities/stateActivities';
import { deleteUpdate, reprojectSignal, stopUpdate, VibeBoxState } from '../../workflows/definitions';
import { aliyunPlatform, runningInstance } from '../support/aliyunPlatform';
import { adoptBox, rowOf, scheduledActivities } from '../support/boxes';
import { eventually, TestPlatform } from '../support/platform';

const ctx = aliyunPlatform();
let p: TestPlatform;
beforeAll(() => {
  ({ p } = ctx);
});

const adoptRunning = async () => adoptBox(p, await runningInstance(ctx), 'active');

it('an older state write (late, or retried) never overwrites a newer one', async () => {
  const { userId } = await p.newUser();
  const id = newVibeBoxId();
  await p.database.db.insert(vibeboxes).values({ id, userId, planId: 'basic', status: 'provisioning', deployment: p.deployment });
  const { recordState } = createStateActivities({ db: p.database.db, deployment: p.deployment });
  const resource = { providerType: 'aliyun' as const, region: 'cn-hangzhou', resourceId: 'i-newer', metadata: {} };
  const newer: VibeBoxState = { status: 'active', resource, round: 1, seq: 20 };
  const older: VibeBoxState = { status: 'provisioning', round: 1, seq: 10 };
  await recordState({ vibeboxId: id, state: newer });
  await recordState({ vibeboxId: id, state: older });
  expect(await rowOf(p, id)).toMatchObject({ status: 'active', resourceId: 'i-newer', stateSeq: 20 });
  await recordState({ vibeboxId: id, state: { ...newer, status: 'stopped', seq: 21 } });
  expect((await rowOf(p, id)).status).toBe('stopped');
  await p.database.db.delete(vibeboxes).where(eq(vibeboxes.id, id));
});

it('every write a box workflow makes carries a higher sequence than the one before', async () => {
  const box = await adoptRunning();
  await box.handle.executeUpdate(stopUpdate);
  const seqs = (await scheduledActivities(box.handle)).filter((a) => a.type === 'recordState').map((a) => a.input.state.seq as number);
  expect(seqs.length).toBeGreaterThanOrEqual(3); // reproject, stopping, stopped
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
  expect((await rowOf(p, box.id)).stateSeq).toBe(seqs[seqs.length - 1]);
  await box.handle.executeUpdate(deleteUpdate);
  await box.handle.result();
});

it("a wrong row is rewritten, and a missing one re-created, from the workflow's state (operator CLI and signal)", async () => {
  const box = await adoptRunning();
  const truth = await box.state();
  await p.database.db.update(vibeboxes).set({ status: 'stopped', resourceId: null }).where(eq(vibeboxes.id, box.id));

  // Not execFileSync: a blocked event loop would stall the worker this test relies on.
  await promisify(execFile)('npx', ['tsx', 'scripts/cli.ts', 'reproject', box.id], {
    env: { ...process.env, TEMPORAL_ADDRESS: p.config.TEMPORAL_ADDRESS },
    encoding: 'utf8',
  });
  await eventually(() => rowOf(p, box.id), (row) => row.status === 'active' && row.resourceId === truth.resource!.resourceId, 30_000, 200);

  const lost = await rowOf(p, box.id);
  await p.database.db.delete(vibeboxes).where(eq(vibeboxes.id, box.id));
  await box.handle.signal(reprojectSignal);
  const rebuilt = await eventually(() => rowOf(p, box.id), (row) => row !== undefined, 30_000, 200);
  expect(rebuilt).toMatchObject({ status: 'active', resourceId: truth.resource!.resourceId, userId: lost.userId, planId: lost.planId, deployment: p.deployment });
  expect(rebuilt.sshPasswordEnc).toBeNull(); // never in the workflow, so never rebuilt

  await box.handle.executeUpdate(deleteUpdate);
  await box.handle.result();
  expect(await rowOf(p, box.id)).toBeUndefined();
});
