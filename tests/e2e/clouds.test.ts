/**
 * Each cloud through the HTTP API, end to end: the official SDK clients (Aliyun, Tencent) and our
 * signed client (ECloud) against the wire-faithful emulators, whose instances are real VibeBox
 * containers — so the box is reached over SSH and Happy is configured for real.
 */
import { policies } from '../../workflows/policies';
import { SshSession } from '../../lib/ssh';
import { EMULATED_CLOUDS } from '../../providers/cloudEmulators';
import { startLocalClouds, LocalClouds } from '../../providers/localClouds';
import { eventually, startPlatform, TestPlatform } from '../support/platform';

let clouds: LocalClouds;
let p: TestPlatform;

beforeAll(async () => {
  clouds = await startLocalClouds({ VIBEBOX_EMULATOR_BACKING: 'docker' });
  p = await startPlatform({ ...clouds.env, ENABLED_PROVIDERS: EMULATED_CLOUDS.join(',') });
});
afterAll(async () => {
  await p?.close();
  await clouds?.close();
});

it.each(EMULATED_CLOUDS)('%s: create → active → SSH → stop → start → delete through the API', async (cloud) => {
  const { token } = await p.newUser();
  const get = (id: string) => p.call(token, 'GET', `/api/vibeboxes/${id}`);
  const settle = (id: string, status: string) =>
    eventually(() => get(id), (r) => r.body?.status === status || r.body?.status === 'error', 10 * 60_000, 1_000);

  const created = await p.call(token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: cloud });
  expect(created.status).toBe(202);
  const { id, sshPassword } = created.body;

  const active = (await settle(id, 'active')).body;
  expect(active).toMatchObject({ status: 'active', providerType: cloud, lastError: null });
  expect(active.resourceId).toBeTruthy();
  expect(active.metadata.tags).toMatchObject({ 'vibebox:emulated': cloud }); // says plainly the cloud was emulated
  const ssh = await SshSession.open({ host: active.ipAddress, port: active.sshPort, username: active.sshUser, password: sshPassword }, { deadlineMs: policies.configure.sshConnectDeadline });
  try {
    expect((await ssh.exec("su - vibe -c 'happy --version </dev/null' | head -n 1")).stdout).toMatch(/happy version: \d+\.\d+/);
  } finally {
    ssh.close();
  }

  expect((await p.call(token, 'POST', `/api/vibeboxes/${id}/stop`)).status).toBe(202);
  expect((await settle(id, 'stopped')).body.status).toBe('stopped');
  expect((await p.call(token, 'POST', `/api/vibeboxes/${id}/start`)).status).toBe(202);
  expect((await settle(id, 'active')).body.status).toBe('active');
  expect((await p.call(token, 'DELETE', `/api/vibeboxes/${id}`)).status).toBe(202);
  await eventually(() => get(id), (r) => r.status === 404, 5 * 60_000, 1_000);
});
