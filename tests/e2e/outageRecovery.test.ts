/**
 * No box ends in `error` because Postgres or Temporal was away for 30 s (issue 7). A real box is
 * provisioned through the API on Docker while:
 * - Postgres freezes for 30 s at the workflow's first projection write, and is down (every
 *   connection cut and refused) for 30 s just as configureHappy reads the box's password — worker
 *   and API reach Postgres through a link this test controls (support/faultyLink.ts), the test
 *   itself directly;
 * - Temporal (a dev server of the test's own, support/privateTemporal.ts) is killed for 30 s while
 *   configureHappy runs, and started again on the same state.
 * Each box must end `active`, its audit rows written, and then be deleted cleanly.
 */
import { eq } from 'drizzle-orm';
import { providerCalls, vibeboxes } from '../../drizzle/schema';
import { connectDatabase, Database } from '../../lib/db';
import { workflowIdFor } from '../../workflows/definitions';
import { FaultyLink } from '../support/faultyLink';
import { eventually, requireEnv, startPlatform, TestPlatform } from '../support/platform';
import { PrivateTemporal } from '../support/privateTemporal';

const OUTAGE_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let direct: Database;
beforeAll(() => {
  direct = connectDatabase(requireEnv('DATABASE_URL'));
});
afterAll(() => direct?.close());

const rowOf = async (id: string) => (await direct.db.select().from(vibeboxes).where(eq(vibeboxes.id, id)))[0];

/** Waits until the box is active; `error` (or the deadline) fails the test with the box's last error. */
async function becomesActive(id: string) {
  const row = await eventually(() => rowOf(id), (r) => r?.status === 'active' || r?.status === 'error', 15 * 60_000, 1_000);
  expect({ status: row.status, lastError: row.lastError }).toEqual({ status: 'active', lastError: null });
  return row;
}

async function deleteAndWaitGone(p: TestPlatform, token: string, id: string) {
  expect((await p.call(token, 'DELETE', `/api/vibeboxes/${id}`)).status).toBe(202);
  await eventually(() => rowOf(id), (r) => r === undefined, 5 * 60_000, 1_000);
}

it('Postgres frozen for 30 s as the machine is recorded, then down for 30 s as Happy is configured: the box ends active', async () => {
  const url = requireEnv('DATABASE_URL');
  const pg = new URL(url);
  const link = await FaultyLink.open({ host: pg.hostname, port: Number(pg.port) });
  const p = await startPlatform({ ENABLED_PROVIDERS: 'docker', DATABASE_URL: link.rewrite(url) });
  try {
    const { token } = await p.newUser();
    // The workflow's first write of its state to Postgres (the projection, a bookkeeping activity):
    // durable create records the machine only through these writes, after the create returned.
    link.freezeOn('"state_seq" = $');
    const created = await p.call(token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' });
    expect(created.status).toBe(202);
    const id: string = created.body.id;
    await eventually(async () => link.state, (s) => s === 'frozen', 5 * 60_000, 100);
    await sleep(OUTAGE_MS);
    link.restore();
    // configureHappy's read of the box's login: held, then Postgres goes down altogether.
    link.freezeOn('"ssh_host_key" from "vibeboxes"');
    await eventually(async () => link.state, (s) => s === 'frozen', 5 * 60_000, 100);
    link.down();
    await sleep(OUTAGE_MS);
    link.restore();

    await becomesActive(id);
    // The audit rows of calls made while Postgres was away were kept and written after.
    const audit = await eventually(() => direct.db.select().from(providerCalls).where(eq(providerCalls.vibeboxId, id)), (rows) => rows.length > 0, 60_000);
    expect(audit.map((a) => a.action)).toContain('createResource');
    await deleteAndWaitGone(p, token, id);
  } finally {
    link.restore();
    await p.close();
    await link.close();
  }
});

it('Temporal killed for 30 s while Happy is configured: the box ends active; meanwhile reads answer and changes are a 503', async () => {
  const temporal = await PrivateTemporal.start();
  const p = await startPlatform({ ENABLED_PROVIDERS: 'docker', TEMPORAL_ADDRESS: temporal.address });
  try {
    const { token } = await p.newUser();
    const created = await p.call(token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' });
    expect(created.status).toBe(202);
    const id: string = created.body.id;
    const handle = p.temporal.workflow.getHandle(workflowIdFor(id));
    const configuring = (d: Awaited<ReturnType<typeof handle.describe>>) =>
      (d.raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'configureHappy' && Number(a.state) === 2 /* STARTED */);
    await eventually(() => handle.describe(), configuring, 10 * 60_000, 500);

    await temporal.kill();
    const get = await p.call(token, 'GET', `/api/vibeboxes/${id}`);
    expect(get).toMatchObject({ status: 200, body: { id, status: 'provisioning' } });
    const stop = await p.call(token, 'POST', `/api/vibeboxes/${id}/stop`);
    expect({ status: stop.status, code: stop.body.error?.code }).toEqual({ status: 503, code: 'unavailable' });
    await sleep(OUTAGE_MS);
    await temporal.up();

    await becomesActive(id);
    // The API's connection came back with the server.
    await eventually(() => p.call(token, 'GET', '/readyz'), (r) => r.status === 200, 60_000, 1_000);
    await deleteAndWaitGone(p, token, id);
  } finally {
    await p.close();
    await temporal.close();
  }
});
