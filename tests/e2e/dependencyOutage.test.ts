/**
 * The API while a dependency is away (issue 7): Postgres frozen or down, Temporal down or not
 * answering. The API reaches the shared services through links this test controls
 * (support/faultyLink.ts), so nothing shared is disturbed. Every request must end in a 503 with
 * Retry-After — never a 500, never a hang — and /readyz must say which dependency is missing.
 * "Never a hang" is checked with a client that gives up after CLIENT_PATIENCE_MS, far above the
 * API's own deadlines (policies.dependencies): bench/dependencyOutage.ts measures the real figures.
 * Last, the API process is killed between recording a box and starting its workflow.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { ApiHandle, startApi } from '../../api/server';
import { createUserWithToken } from '../../api/users';
import { newVibeBoxId } from '../../api/vibeboxService';
import { idempotencyKeys, vibeboxes } from '../../drizzle/schema';
import { loadConfig } from '../../lib/config';
import { connectDatabase, Database } from '../../lib/db';
import { workflowIdFor } from '../../workflows/definitions';
import { policies } from '../../workflows/policies';
import { FaultyLink } from '../support/faultyLink';
import { eventually, requireEnv, terminateBoxes } from '../support/platform';
import { connectTemporal } from '../../api/temporalClient';
import type { Client, Connection } from '@temporalio/client';

const CLIENT_PATIENCE_MS = 20_000;

let pgLink: FaultyLink;
let temporalLink: FaultyLink;
let api: ApiHandle;
let direct: Database;
let temporal: { client: Client; connection: Connection };
let token: string;
let userId: string;
let boxId: string;
let env: Record<string, string | undefined>;
const started = new Set<string>();

beforeAll(async () => {
  const databaseUrl = requireEnv('DATABASE_URL');
  const pg = new URL(databaseUrl);
  const [temporalHost, temporalPort] = requireEnv('TEMPORAL_ADDRESS').split(':');
  pgLink = await FaultyLink.open({ host: pg.hostname, port: Number(pg.port) });
  temporalLink = await FaultyLink.open({ host: temporalHost, port: Number(temporalPort) });
  env = {
    ...process.env,
    DATABASE_URL: pgLink.rewrite(databaseUrl),
    TEMPORAL_ADDRESS: temporalLink.address,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID().slice(0, 8)}`,
    ENABLED_PROVIDERS: 'docker',
    PORT: '0',
  };
  direct = connectDatabase(databaseUrl);
  temporal = await connectTemporal(requireEnv('TEMPORAL_ADDRESS'), 'default');
  api = await startApi(loadConfig(env), { env });
  ({ token, userId } = await createUserWithToken(direct.db, `outage-${randomUUID().slice(0, 8)}@test.vibebox`));
  boxId = newVibeBoxId();
  await direct.db.insert(vibeboxes).values({ id: boxId, userId, planId: 'basic', status: 'active' });
});
afterEach(() => {
  pgLink.restore();
  temporalLink.restore();
});
afterAll(async () => {
  pgLink?.restore();
  temporalLink?.restore();
  await api?.close();
  await terminateBoxes(temporal.client, started);
  await temporal?.connection.close();
  await direct?.db.delete(vibeboxes).where(eq(vibeboxes.userId, userId));
  await direct?.close();
  await pgLink?.close();
  await temporalLink?.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(api.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(CLIENT_PATIENCE_MS),
  });
  return { status: res.status, body: (await res.json()) as any, retryAfter: res.headers.get('retry-after') };
}

const expectUnavailable = (res: Awaited<ReturnType<typeof call>>) => {
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 503, code: 'unavailable' });
  expect(Number(res.retryAfter)).toBeGreaterThanOrEqual(1);
};

describe('Postgres away', () => {
  it('frozen: GET is a 503 with Retry-After, not a hang; served again once it is back', async () => {
    expect((await call('GET', `/api/vibeboxes/${boxId}`)).status).toBe(200);
    pgLink.freeze();
    expectUnavailable(await call('GET', `/api/vibeboxes/${boxId}`));
    expectUnavailable(await call('GET', '/api/vibeboxes'));
    pgLink.restore();
    // Connections given up on are closed, not handed to the next request.
    await eventually(() => call('GET', `/api/vibeboxes/${boxId}`), (r) => r.status === 200, 30_000);
  });

  it('down: a 503 with Retry-After, never a 500', async () => {
    pgLink.down();
    expectUnavailable(await call('GET', `/api/vibeboxes/${boxId}`));
    expectUnavailable(await call('POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' }));
  });

  it('/readyz names Postgres; /healthz (liveness) still answers', async () => {
    expect((await call('GET', '/readyz')).body).toMatchObject({ ok: true, checks: { postgres: { ok: true }, temporal: { ok: true } } });
    pgLink.freeze();
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.retryAfter).toBeTruthy();
    expect(ready.body).toMatchObject({ ok: false, checks: { postgres: { ok: false }, temporal: { ok: true } } });
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { ok: true } });
  });
});

describe('Temporal away', () => {
  it('down: create is a 503 with Retry-After and creates nothing; stop is a 503 with Retry-After', async () => {
    temporalLink.down();
    const before = await direct.db.select().from(vibeboxes).where(eq(vibeboxes.userId, userId));
    const create = await call('POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' });
    expectUnavailable(create);
    expect(create.body.error.message).toContain('nothing was created');
    expect(await direct.db.select().from(vibeboxes).where(eq(vibeboxes.userId, userId))).toEqual(before);
    expectUnavailable(await call('POST', `/api/vibeboxes/${boxId}/stop`));
    // GET reads Postgres only: it still answers.
    expect((await call('GET', `/api/vibeboxes/${boxId}`)).status).toBe(200);
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ postgres: { ok: true }, temporal: { ok: false } });
  });

  it('a start that may have reached Temporal keeps the row: the key replayed later finds or starts the workflow', async () => {
    // Temporal answers (after the previous test's outage, the API's connection is back)…
    await eventually(() => call('GET', '/readyz'), (r) => r.status === 200, 30_000);
    // …then stops answering in the middle of the start: it may or may not have arrived.
    temporalLink.freezeOn('vibeBoxWorkflow');
    const key = randomUUID();
    const body = { planId: 'basic', providerType: 'docker' };
    const ambiguous = await call('POST', '/api/vibeboxes', body, { 'Idempotency-Key': key });
    expect(temporalLink.state).toBe('frozen');
    expectUnavailable(ambiguous);
    const [remembered] = await direct.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key));
    const id = remembered.vibeboxId;
    started.add(id);
    expect(ambiguous.body.error.message).toContain(id);
    // Never deleted while its workflow may run: the row stays, its start unconfirmed.
    const [kept] = await direct.db.select().from(vibeboxes).where(eq(vibeboxes.id, id));
    expect(kept).toMatchObject({ status: 'provisioning', workflowStartedAt: null });
    temporalLink.restore();
    // While the first request could still be running, a repeat is told to wait…
    const early = await call('POST', '/api/vibeboxes', body, { 'Idempotency-Key': key });
    if (Date.now() - kept.createdAt.getTime() < policies.admission.createInFlight) expect(early.body.error?.code).toBe('create_in_progress');
    // …then it finishes the create: one workflow for the box, the row confirmed, the same box returned.
    const replayed = await eventually(() => call('POST', '/api/vibeboxes', body, { 'Idempotency-Key': key }), (r) => r.status !== 409, 2 * policies.admission.createInFlight, 2_000);
    expect(replayed).toMatchObject({ status: 200, body: { id } });
    expect((await temporal.client.workflow.getHandle(workflowIdFor(id)).describe()).status.name).toBe('RUNNING');
    const [confirmed] = await direct.db.select().from(vibeboxes).where(eq(vibeboxes.id, id));
    expect(confirmed.workflowStartedAt).not.toBeNull();
  });
});

describe('the API dies between recording a box and starting its workflow', () => {
  let child: ChildProcess | undefined;
  let crashLink: FaultyLink;
  beforeAll(async () => {
    const [host, port] = requireEnv('TEMPORAL_ADDRESS').split(':');
    crashLink = await FaultyLink.open({ host, port: Number(port) });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await crashLink?.close();
  });

  /** The API as its own process (`node --import tsx api/server.ts`), talking to Temporal through `crashLink`; resolves with its URL. */
  async function spawnApi(): Promise<string> {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
      env: { ...env, DATABASE_URL: requireEnv('DATABASE_URL'), TEMPORAL_ADDRESS: crashLink.address, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    let log = '';
    return new Promise((resolve, reject) => {
      proc.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const url = /"msg":"api listening".*?"url":"(http:[^"]+)"/.exec(log)?.[1];
        if (url) resolve(url);
      });
      proc.once('exit', (code) => reject(new Error(`api exited (${code}) before listening: ${log}`)));
    });
  }

  it('the box is recorded with its start unconfirmed, and the same Idempotency-Key later starts it', async () => {
    const url = await spawnApi();
    const key = randomUUID();
    const body = { planId: 'basic', providerType: 'docker' };
    crashLink.freezeOn('vibeBoxWorkflow');
    const request = fetch(`${url}/api/vibeboxes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify(body),
    }).then(
      (res) => res.status,
      () => 'no answer',
    );
    // The start is on its way (held by the link): the row is committed. Now the API dies.
    await eventually(async () => crashLink.state, (s) => s === 'frozen', 60_000, 50);
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child!.kill('SIGKILL');
    await exited;
    expect(await request).toBe('no answer');
    crashLink.restore();

    const [remembered] = await direct.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key));
    const id = remembered.vibeboxId;
    started.add(id);
    const [left] = await direct.db.select().from(vibeboxes).where(eq(vibeboxes.id, id));
    expect(left).toMatchObject({ status: 'provisioning', workflowStartedAt: null });
    // The start died with the process: no workflow runs for this box yet.
    await expect(temporal.client.workflow.getHandle(workflowIdFor(id)).describe()).rejects.toThrow(WorkflowNotFoundError);

    // The client repeats its request (to another API process): it gets its box, now provisioning for real.
    const replayed = await eventually(() => call('POST', '/api/vibeboxes', body, { 'Idempotency-Key': key }), (r) => r.status !== 409, 2 * policies.admission.createInFlight, 2_000);
    expect(replayed).toMatchObject({ status: 200, body: { id, status: 'provisioning' } });
    expect((await temporal.client.workflow.getHandle(workflowIdFor(id)).describe()).status.name).toBe('RUNNING');
    const [confirmed] = await direct.db.select().from(vibeboxes).where(eq(vibeboxes.id, id));
    expect(confirmed.workflowStartedAt).not.toBeNull();
  });
});
