/**
 * Admission at the API (issue 7): quotas, the create rate, plans that cannot fit, and the
 * Idempotency-Key — on the real Postgres and Temporal dev server. The API runs without a worker:
 * admitted boxes get their workflow started on a task queue nobody polls, and are terminated after.
 */
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { and, eq } from 'drizzle-orm';
import { publishProviderCapacity } from '../../activities/capacity';
import { startApi } from '../../api/server';
import { idempotencyKeys, providerCapacity, vibeboxes } from '../../drizzle/schema';
import { createLogger } from '../../lib/logger';
import { createProviderFactory } from '../../providers/factory';
import { ProviderPool } from '../../providers/pool';
import { workflowIdFor } from '../../workflows/definitions';
import { policies } from '../../workflows/policies';
import { startPlatform, terminateBoxes, TestPlatform } from '../support/platform';

let p: TestPlatform;
const started = new Set<string>();

beforeAll(async () => {
  // aliyun is enabled for placement only: its catalog fits every plan, and no box is provisioned here.
  p = await startPlatform({ ENABLED_PROVIDERS: 'docker,aliyun' }, { worker: false });
  // What the worker does at start: Docker's capacity, from `docker info`, for the API's plan check.
  await publishProviderCapacity({ db: p.database.db, providers: new ProviderPool(createProviderFactory(), p.env), log: createLogger('test') });
});
afterAll(async () => {
  if (p) await terminateBoxes(p.temporal, started);
  await p?.close();
});

const rowsOf = (userId: string) => p.database.db.select().from(vibeboxes).where(eq(vibeboxes.userId, userId));

async function create(token: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${p.api.url}/api/vibeboxes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (res.status === 202) started.add(json.id);
  return { status: res.status, body: json, headers: res.headers };
}

const running = async (id: string) => (await p.temporal.workflow.getHandle(workflowIdFor(id)).describe()).status.name;

describe('quotas: counted per user against live boxes, race-free, and a refusal creates nothing', () => {
  it('a burst of 40 creates from one user is refused past the quota', async () => {
    const { token, userId } = await p.newUser();
    const answers = await Promise.all(Array.from({ length: 40 }, () => create(token, { planId: 'basic', providerType: 'docker' })));
    const byStatus = answers.reduce<Record<number, number>>((m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }), {});
    const quota = policies.admission.quota.perPlan.basic;
    expect(byStatus).toEqual({ 202: quota, 403: 40 - quota });
    const refused = answers.find((a) => a.status === 403)!;
    expect(refused.body.error).toEqual({ code: 'quota_exceeded', message: expect.stringMatching(/quota reached: 5 of 5 "basic" boxes; delete a box/) });
    const rows = await rowsOf(userId);
    expect(rows).toHaveLength(quota);
    // Every admitted box has its workflow, and its start is recorded as confirmed.
    for (const row of rows) {
      expect(row.workflowStartedAt).not.toBeNull();
      expect(await running(row.id)).toBe('RUNNING');
    }
  });

  it('each plan has its own quota, and there is a quota in all', async () => {
    const { token } = await p.newUser();
    expect((await create(token, { planId: 'enterprise', providerType: 'aliyun' })).status).toBe(202);
    const second = await create(token, { planId: 'enterprise', providerType: 'aliyun' });
    expect(second.status).toBe(403);
    expect(second.body.error.message).toContain('1 of 1 "enterprise" boxes');
    for (let i = 0; i < 4; i++) expect((await create(token, { planId: 'basic', providerType: 'docker' })).status).toBe(202);
    const overall = await create(token, { planId: 'pro', providerType: 'aliyun' });
    expect(overall.status).toBe(403);
    expect(overall.body.error.message).toContain('5 of 5 boxes in all');
  });

  it('a box that is gone no longer counts', async () => {
    const { token, userId } = await p.newUser();
    for (let i = 0; i < 5; i++) expect((await create(token, { planId: 'basic', providerType: 'docker' })).status).toBe(202);
    expect((await create(token, { planId: 'basic', providerType: 'docker' })).status).toBe(403);
    // What the workflow's removeVibeBox does when a delete finishes (no worker runs here).
    const [gone] = await rowsOf(userId);
    await p.database.db.delete(vibeboxes).where(eq(vibeboxes.id, gone.id));
    expect((await create(token, { planId: 'basic', providerType: 'docker' })).status).toBe(202);
  });
});

describe('the create rate: a token bucket per user in Postgres, shared by every API process', () => {
  // Two API processes' worth (each its own pool and Temporal client, one database), quotas out of the way.
  const apis: Array<Awaited<ReturnType<typeof startApi>>> = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) apis.push(await startApi(p.config, { env: { ...p.env, VIBEBOX_QUOTA_BASIC: '100', VIBEBOX_QUOTA_TOTAL: '100' } }));
  });
  afterAll(() => Promise.all(apis.map((a) => a.close())));

  it('past the burst, creates are refused with 429 and Retry-After, whichever API process answers', async () => {
    const { token, userId } = await p.newUser();
    const { burst, perMinute } = policies.admission.createRate;
    const answers = [];
    for (let i = 0; i < burst + 3; i++) {
      const res = await fetch(`${apis[i % 2].url}/api/vibeboxes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ planId: 'basic', providerType: 'docker' }),
      });
      const json = (await res.json()) as any;
      if (res.status === 202) started.add(json.id);
      answers.push({ status: res.status, code: json.error?.code, retryAfter: res.headers.get('retry-after') });
    }
    expect(answers.map((a) => a.status)).toEqual([...Array(burst).fill(202), 429, 429, 429]);
    expect(answers[burst].code).toBe('rate_limited');
    const wait = Number(answers[burst].retryAfter);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(Math.ceil(60 / perMinute));
    expect(await rowsOf(userId)).toHaveLength(burst);
  });
});

describe('a plan that cannot fit the chosen provider is a 400 at the API', () => {
  it('Docker publishes the host it runs on', async () => {
    const info = await new Docker().info();
    const [row] = await p.database.db.select().from(providerCapacity).where(and(eq(providerCapacity.providerType, 'docker'), eq(providerCapacity.region, 'local')));
    expect(row).toMatchObject({ maxCpu: info.NCPU, maxMemoryGib: info.MemTotal / 1024 ** 3 });
  });

  it('more CPUs than the Docker host has: 400 on planId, nothing created', async () => {
    const { token, userId } = await p.newUser();
    const cpus = (await new Docker().info()).NCPU as number;
    // The smallest plan that asks for more CPUs than this host has.
    const plan = (['basic', 'pro', 'enterprise'] as const).find((id) => ({ basic: 2, pro: 4, enterprise: 8 })[id] > cpus);
    if (!plan) throw new Error(`this host has ${cpus} CPUs: every plan fits, the test cannot run here`);
    const res = await create(token, { planId: plan, providerType: 'docker' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details).toEqual([{ field: 'planId', message: expect.stringContaining(`docker in local can place at most ${cpus} vCPU`) }]);
    expect(await rowsOf(userId)).toEqual([]);
  });

  it('a cloud whose largest catalog type fits is accepted; with no provider pinned, one that fits is enough', async () => {
    const { token } = await p.newUser();
    expect((await create(token, { planId: 'enterprise', providerType: 'aliyun' })).status).toBe(202);
    const other = await p.newUser();
    expect((await create(other.token, { planId: 'enterprise' })).status).toBe(202);
  });

  it('with no provider that fits, an unpinned request is a 400 on planId', async () => {
    const dockerOnly = await startApi(p.config, { env: { ...p.env, ENABLED_PROVIDERS: 'docker' } });
    try {
      const { token } = await p.newUser();
      const res = await fetch(`${dockerOnly.url}/api/vibeboxes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ planId: 'enterprise' }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.details[0]).toEqual({ field: 'planId', message: expect.stringContaining('no enabled provider can place this plan') });
    } finally {
      await dockerOnly.close();
    }
  });
});

describe('Idempotency-Key: the same key and request return the same box', () => {
  const body = { planId: 'basic', providerType: 'docker' };

  it('a repeat returns the same box (200, no second row or workflow) and never the password again', async () => {
    const { token, userId } = await p.newUser();
    const key = randomUUID();
    const first = await create(token, body, { 'Idempotency-Key': key });
    expect(first.status).toBe(202);
    expect(first.body.sshPassword).toMatch(/^.{20}$/);
    const again = await create(token, { providerType: 'docker', planId: 'basic' }, { 'Idempotency-Key': key }); // same fields, other order
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.body).not.toHaveProperty('sshPassword');
    expect(JSON.stringify(again.body)).not.toContain(first.body.sshPassword);
    expect(await rowsOf(userId)).toHaveLength(1);
    const runs = [];
    for await (const w of p.temporal.workflow.list({ query: `UserId = "${userId}"` })) runs.push(w.workflowId);
    expect(runs.length).toBeLessThanOrEqual(1); // visibility may lag; never two
  });

  it('the same key with another request is a 422 and creates nothing', async () => {
    const { token, userId } = await p.newUser();
    const key = randomUUID();
    expect((await create(token, body, { 'Idempotency-Key': key })).status).toBe(202);
    const other = await create(token, { planId: 'basic', providerType: 'docker', region: 'local' }, { 'Idempotency-Key': key });
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', details: [{ field: 'Idempotency-Key', message: expect.any(String) }] });
    expect(await rowsOf(userId)).toHaveLength(1);
  });

  it('ten concurrent requests with one key make one box', async () => {
    const { token, userId } = await p.newUser();
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 10 }, () => create(token, body, { 'Idempotency-Key': key })));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    const id = answers.find((a) => a.status === 202)!.body.id;
    for (const a of answers.filter((x) => x.status !== 202)) {
      // A repeat that arrives while the first request still starts the workflow is told to come back.
      if (a.status === 409) expect(a.body.error.code).toBe('create_in_progress');
      else expect(a).toMatchObject({ status: 200, body: { id } });
    }
    expect((await rowsOf(userId)).map((r) => r.id)).toEqual([id]);
  });

  it('keys are per user', async () => {
    const key = randomUUID();
    const alice = await p.newUser();
    const bob = await p.newUser();
    const a = await create(alice.token, body, { 'Idempotency-Key': key });
    const b = await create(bob.token, body, { 'Idempotency-Key': key });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('an expired key is forgotten: the same key creates a new box', async () => {
    const { token, userId } = await p.newUser();
    const key = randomUUID();
    const first = await create(token, body, { 'Idempotency-Key': key });
    // Time passes: the key's lifetime (policies.admission.idempotencyKeyTtl) is over.
    await p.database.db.update(idempotencyKeys).set({ expiresAt: new Date(Date.now() - 1_000) }).where(eq(idempotencyKeys.userId, userId));
    const second = await create(token, body, { 'Idempotency-Key': key });
    expect(second.status).toBe(202);
    expect(second.body.id).not.toBe(first.body.id);
  });

  it('a key whose box has been deleted is a 409 saying so', async () => {
    const { token } = await p.newUser();
    const key = randomUUID();
    const first = await create(token, body, { 'Idempotency-Key': key });
    await p.database.db.delete(vibeboxes).where(eq(vibeboxes.id, first.body.id));
    const again = await create(token, body, { 'Idempotency-Key': key });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(`${first.body.id}) has been deleted`);
  });

  it.each([
    ['too long', 'k'.repeat(256)],
    ['with spaces', 'my key'],
    ['empty', ''],
  ])('a key %s is a 400 naming the header', async (_name, key) => {
    const { token, userId } = await p.newUser();
    const res = await create(token, body, { 'Idempotency-Key': key });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('Idempotency-Key');
    expect(await rowsOf(userId)).toEqual([]);
  });
});
