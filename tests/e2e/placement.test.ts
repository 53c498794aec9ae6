/**
 * Placement at the API (no worker: admission only), with the production rule of who may pin a
 * provider: Basic naming a provider is a clear 403, Pro may; a pinned provider the health loop
 * marked unavailable is a 503 unless the request allows fallback; the request's placement wishes
 * are stored and shown on the box; GET /api/admin/providers shows health to admins only.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createUserWithToken } from '../../api/users';
import { providerHealth } from '../../drizzle/schema';
import { policies } from '../../workflows/policies';
import { startPlatform, terminateBoxes, TestPlatform } from '../support/platform';

// A region no other test file uses: health rows are per (provider, region) in the shared database.
const REGION = 'cn-beijing';
let p: TestPlatform;
const boxes: string[] = [];

beforeAll(async () => {
  p = await startPlatform(
    { ENABLED_PROVIDERS: 'docker,aliyun,tencent', ALIYUN_REGIONS: REGION, TENCENT_REGIONS: 'ap-shanghai', VIBEBOX_MANUAL_PLANS: policies.selection.manualPlans.join(',') },
    { worker: false },
  );
});
afterAll(async () => {
  await p?.database.db.delete(providerHealth).where(eq(providerHealth.region, REGION));
  if (p) await terminateBoxes(p.temporal, boxes);
  await p?.close();
});

async function create(token: string, body: Record<string, unknown>) {
  const res = await p.call(token, 'POST', '/api/vibeboxes', body);
  if (res.status === 202) boxes.push(res.body.id);
  return res;
}

it('Basic may not pin a provider (403 saying why); Pro may, and its wishes are stored and shown as placement', async () => {
  const { token } = await p.newUser();
  const basic = await create(token, { planId: 'basic', providerType: 'aliyun' });
  expect(basic.status).toBe(403);
  expect(basic.body.error).toMatchObject({ code: 'manual_placement_not_allowed', message: expect.stringContaining('the "basic" plan cannot choose its provider') });
  expect(basic.body.error.details).toEqual([{ field: 'providerType', message: expect.any(String) }]);
  // Basic still has the auto rules, a region among them.
  expect((await create(token, { planId: 'basic', region: REGION, preference: 'cheapest' })).status).toBe(202);

  const pro = await create(token, { planId: 'pro', providerType: 'aliyun', fallback: true });
  expect(pro.status).toBe(202);
  const shown = await p.call(token, 'GET', `/api/vibeboxes/${pro.body.id}`);
  expect(shown.body.placement).toEqual({ request: { fallback: true } });
});

it('a pinned provider that health checks marked unavailable is a 503 unless fallback is allowed; admins see why', async () => {
  const { token } = await p.newUser();
  await p.database.db
    .insert(providerHealth)
    .values({ providerType: 'aliyun', region: REGION, available: false, consecutiveFailures: policies.health.unavailableAfter, lastError: 'Transient: HTTP 503' })
    .onConflictDoUpdate({ target: [providerHealth.providerType, providerHealth.region], set: { available: false, consecutiveFailures: policies.health.unavailableAfter, lastError: 'Transient: HTTP 503' } });

  const pinned = await create(token, { planId: 'pro', providerType: 'aliyun' });
  expect(pinned.status).toBe(503);
  expect(pinned.body.error).toMatchObject({ code: 'placement_unavailable', message: expect.stringContaining(`${policies.health.unavailableAfter} failed health checks in a row, last: Transient: HTTP 503`) });
  expect((await create(token, { planId: 'pro', providerType: 'aliyun', fallback: true })).status).toBe(202);

  expect((await p.call(token, 'GET', '/api/admin/providers')).status).toBe(403);
  const admin = await createUserWithToken(p.database.db, `admin-${randomUUID().slice(0, 8)}@test.vibebox`, 'test', { admin: true });
  const listed = await p.call(admin.token, 'GET', '/api/admin/providers');
  expect(listed.status).toBe(200);
  expect(listed.body).toMatchObject({ checkEveryMs: policies.health.every, unavailableAfter: policies.health.unavailableAfter });
  expect(listed.body.items).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ providerType: 'aliyun', region: REGION, health: 'unavailable', consecutiveFailures: policies.health.unavailableAfter, why: expect.stringContaining('Transient: HTTP 503') }),
      expect.objectContaining({ providerType: 'docker', region: 'local' }),
    ]),
  );
});
