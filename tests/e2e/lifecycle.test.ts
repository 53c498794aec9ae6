/**
 * The whole data path on real services: HTTP API → Temporal workflow → Docker provider → real
 * sshd → the real Happy install, then stop / start / restart / delete with Docker agreeing at
 * each step. Slow by nature (npm installs inside the box).
 */
import { policies } from '../../workflows/policies';
import Docker from 'dockerode';
import { eq } from 'drizzle-orm';
import { providerCalls, vibeboxes } from '../../drizzle/schema';
import { happyScript, parseReport } from '../../activities/happyScript';
import { happySettingsFrom } from '../../activities/happySettings';
import { SshSession } from '../../lib/ssh';
import { searchAttributes, workflowIdFor } from '../../workflows/definitions';
import { historyText } from '../support/boxes';
import { eventually, startPlatform, TestPlatform } from '../support/platform';

const docker = new Docker();
let p: TestPlatform;

beforeAll(async () => {
  p = await startPlatform({ ENABLED_PROVIDERS: 'docker' });
});
afterAll(() => p?.close());


const containerState = async (id: string) => (await docker.getContainer(id).inspect()).State;

it('create → active → SSH → stop → start → restart → delete, with Docker agreeing at each step', async () => {
  const alice = await p.newUser();
  const bob = await p.newUser();
  const get = (id: string) => p.call(alice.token, 'GET', `/api/vibeboxes/${id}`);
  const waitForStatus = (id: string, status: string) => eventually(() => get(id), (r) => r.body?.status === status || r.body?.status === 'error', 15 * 60_000, 1_000);

  // Create: 202 at once, with the password this one time.
  const created = await p.call(alice.token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' });
  expect(created.status).toBe(202);
  expect(created.body).toMatchObject({ status: 'provisioning', providerType: 'docker', resourceId: null });
  const { id, sshPassword } = created.body;
  expect(sshPassword).toMatch(/^.{20}$/);

  // Provisioned, configured, active — with an address and SSH port.
  const active = await waitForStatus(id, 'active');
  expect(active.body).toMatchObject({ status: 'active', lastError: null, ipAddress: '127.0.0.1', sshUser: 'root' });
  expect(active.body.sshPort).toBeGreaterThan(0);
  expect(active.body).not.toHaveProperty('sshPassword'); // never again
  const resourceId: string = active.body.resourceId;
  expect((await containerState(resourceId)).Running).toBe(true);

  // The box is real: log in with the returned credentials; Happy and Claude Code are there.
  const ssh = await SshSession.open({ host: active.body.ipAddress, port: active.body.sshPort, username: 'root', password: sshPassword }, { deadlineMs: policies.configure.sshConnectDeadline });
  try {
    // The host key the API shows is the one this box presents (pinned at configure).
    expect(ssh.hostKey).toBe(active.body.sshHostKeyFingerprint);
    const keys = await ssh.exec('for f in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf "$f"; done');
    expect(keys.stdout).toContain(active.body.sshHostKeyFingerprint);
    const who = await ssh.exec('whoami && node --version');
    expect(who.stdout).toMatch(/^root\nv\d+\./);
    const happy = await ssh.exec("su - vibe -c 'happy --version'");
    expect(happy.code).toBe(0);
    expect(happy.stdout).toMatch(/\d+\.\d+\.\d+/);
    const claude = await ssh.exec("su - vibe -c 'claude --version'");
    expect(claude.stdout).toMatch(/\d+\.\d+\.\d+/);
    // configureHappy's script, run a second time on the configured box, changes nothing.
    const again = await ssh.exec('bash -s', { stdin: happyScript(happySettingsFrom(p.config)) });
    expect(again.code).toBe(0);
    expect(parseReport(again.stdout)).toMatchObject({ changed: [], happyVersion: expect.stringMatching(/^\d+\.\d+/) });
  } finally {
    ssh.close();
  }

  // Operators find it by search attributes.
  const wfs = [];
  for await (const w of p.temporal.workflow.list({ query: `VibeBoxId = "${id}"` })) wfs.push(w);
  expect(wfs).toHaveLength(1);
  expect(wfs[0].workflowId).toBe(workflowIdFor(id));
  expect(wfs[0].typedSearchAttributes.get(searchAttributes.status)).toBe('active');
  expect(wfs[0].typedSearchAttributes.get(searchAttributes.provider)).toBe('docker');
  expect(wfs[0].typedSearchAttributes.get(searchAttributes.userId)).toBe(alice.userId);

  // Another user cannot see or touch it.
  expect((await p.call(bob.token, 'GET', `/api/vibeboxes/${id}`)).status).toBe(404);
  expect((await p.call(bob.token, 'POST', `/api/vibeboxes/${id}/stop`)).status).toBe(404);

  // An illegal request is refused with its reason, not queued.
  const illegal = await p.call(alice.token, 'POST', `/api/vibeboxes/${id}/start`);
  expect(illegal.status).toBe(409);
  expect(illegal.body.error.message).toContain('cannot start a VibeBox that is active');

  // Stop: Docker says stopped.
  const stop = await p.call(alice.token, 'POST', `/api/vibeboxes/${id}/stop`);
  expect(stop.status).toBe(202);
  expect(stop.body).toEqual({ success: true, message: 'VibeBox is stopping', status: 'stopping' });
  expect((await waitForStatus(id, 'stopped')).body.status).toBe('stopped');
  expect((await containerState(resourceId)).Running).toBe(false);

  // Start: running again, same port.
  expect((await p.call(alice.token, 'POST', `/api/vibeboxes/${id}/start`)).status).toBe(202);
  const restarted = await waitForStatus(id, 'active');
  expect(restarted.body.status).toBe('active');
  expect(restarted.body.sshPort).toBe(active.body.sshPort);
  expect((await containerState(resourceId)).Running).toBe(true);

  // Restart: the container really restarted.
  const startedBefore = (await containerState(resourceId)).StartedAt;
  expect((await p.call(alice.token, 'POST', `/api/vibeboxes/${id}/restart`)).status).toBe(202);
  await eventually(() => containerState(resourceId), (s) => s.StartedAt !== startedBefore && s.Running, 3 * 60_000);
  expect((await waitForStatus(id, 'active')).body.status).toBe('active');

  // Delete: container gone, row gone, workflow done.
  expect((await p.call(alice.token, 'DELETE', `/api/vibeboxes/${id}`)).status).toBe(202);
  await eventually(() => get(id), (r) => r.status === 404, 5 * 60_000, 1_000);
  await expect(docker.getContainer(resourceId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  expect(await p.database.db.select().from(vibeboxes).where(eq(vibeboxes.id, id))).toEqual([]);
  await p.temporal.workflow.getHandle(workflowIdFor(id)).result();

  // One audit row per provider call, and no secret anywhere in them or in the history.
  const audit = await p.database.db.select().from(providerCalls).where(eq(providerCalls.vibeboxId, id));
  const actions = audit.map((a) => a.action);
  for (const a of ['createResource', 'stopResource', 'startResource', 'restartResource']) expect(actions).toContain(a);
  expect(actions.some((a) => a === 'deleteResource' || a === 'forceDeleteResource')).toBe(true);
  expect(JSON.stringify(audit)).not.toContain(sshPassword);
  const history = await p.temporal.workflow.getHandle(workflowIdFor(id)).fetchHistory();
  expect(historyText(history)).toContain(`"vibeboxId":"${id}"`); // the check below reads decoded payloads
  expect(historyText(history)).not.toContain(sshPassword);
});
