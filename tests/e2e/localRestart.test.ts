/**
 * Local mode survives a restart (the reliability issue, item 8): a box created through the API
 * before the emulated clouds and the platform stop is still usable after they start again over
 * the same data directory — the emulator kept its instance (and key), the container was adopted,
 * the box's workflow goes on. As light as it can be: one emulated cloud, one box.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalClouds, LocalClouds } from '../../providers/localClouds';
import { eventually, startPlatform, TestPlatform } from '../support/platform';

const CLOUD = 'tencent';
const ONLY_TENCENT = { ALIYUN_ENABLED: 'false', CHINAMOBILE_ENABLED: 'false', VIBEBOX_EMULATOR_BACKING: 'docker' };

let stateDir: string;
let clouds: LocalClouds | undefined;
let p: TestPlatform | undefined;

beforeAll(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-restart-'));
});
afterAll(async () => {
  await p?.close();
  await clouds?.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

async function up(taskQueue?: string): Promise<TestPlatform> {
  clouds = await startLocalClouds(ONLY_TENCENT, { stateDir });
  return startPlatform({ ...clouds.env, ENABLED_PROVIDERS: CLOUD, ...(taskQueue ? { TEMPORAL_TASK_QUEUE: taskQueue } : {}) });
}

async function down(): Promise<void> {
  await p?.close();
  await clouds?.close();
  p = undefined;
  clouds = undefined;
}

it('a box created before a restart can be stopped and started after it', async () => {
  p = await up();
  const taskQueue = p.env.TEMPORAL_TASK_QUEUE!;
  const { token } = await p.newUser();
  const get = (id: string) => p!.call(token, 'GET', `/api/vibeboxes/${id}`);
  const settle = (id: string, status: string) => eventually(() => get(id), (r) => r.body?.status === status || r.body?.status === 'error', 5 * 60_000, 1_000);

  const created = await p.call(token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: CLOUD });
  expect(created.status).toBe(202);
  const { id } = created.body;
  const active = (await settle(id, 'active')).body;
  expect(active.status).toBe('active');
  const key = JSON.parse(fs.readFileSync(path.join(stateDir, `${CLOUD}.local.json`), 'utf8'));
  expect(fs.statSync(path.join(stateDir, `${CLOUD}.local.json`)).mode & 0o777).toBe(0o600);

  await down();
  p = await up(taskQueue); // same data directory, same task queue: the box's workflow carries on
  expect(clouds!.env.TENCENT_ACCESS_KEY_SECRET).toBe(key.credentials.accessKeySecret);
  expect((await get(id)).body).toMatchObject({ status: 'active', resourceId: active.resourceId, ipAddress: active.ipAddress });

  expect((await p.call(token, 'POST', `/api/vibeboxes/${id}/stop`)).status).toBe(202);
  expect((await settle(id, 'stopped')).body).toMatchObject({ status: 'stopped', lastError: null });
  expect((await p.call(token, 'POST', `/api/vibeboxes/${id}/start`)).status).toBe(202);
  expect((await settle(id, 'active')).body).toMatchObject({ status: 'active', lastError: null });

  expect((await p.call(token, 'DELETE', `/api/vibeboxes/${id}`)).status).toBe(202);
  await eventually(() => get(id), (r) => r.status === 404, 5 * 60_000, 1_000);
});
