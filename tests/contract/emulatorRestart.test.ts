/**
 * Emulators that keep their state survive their process: killed with SIGKILL in the middle of
 * transitions, a restarted one (the standalone command over the same --state file) finishes
 * them (the kill hits the emulator's own process); and a Docker-backed instance is the same container, reached over the same SSH, after a
 * restart — while a clean shutdown leaves no container that no instance owns. Needs the Docker
 * engine and the VibeBox base image for the second part, as the contract tier does.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { SshSession } from '../../lib/ssh';
import { EcloudClient } from '../../providers/chinamobile/client';
import { CLOUD_EMULATORS } from '../../providers/cloudEmulators';
import { LABEL_EMULATOR_SESSION, sessionOfState } from '../../providers/docker/emulatorBacking';
import { ControlInstance, EmulatorControlClient, EmulatorHandle } from '../../providers/emulation';
import { eventually } from '../support/platform';

jest.setTimeout(180_000);

const KEY = { accessKeyId: 'restart-ak', accessKeySecret: 'restart-Secret-1' };
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-restart-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * scripts/emulator.ts as its own process — node itself with tsx loaded, not `npx tsx`, whose
 * wrappers would take the signal and leave the emulator running. Resolves once it listens.
 */
async function emulatorProcess(cloud: string, statePath: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/emulator.ts', cloud, '--port', '0', '--backing', 'none', '--state', statePath, '--access-key-id', KEY.accessKeyId, '--access-key-secret', KEY.accessKeySecret],
    { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /emulator on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (found) resolve(found[1]);
    });
    proc.once('exit', (code) => reject(new Error(`emulator exited (${code}) before listening: ${out}`)));
  });
  return { proc, url };
}

const states = (list: ControlInstance[]) => Object.fromEntries(list.map((i) => [i.name, i.state]));

it('an emulator killed with SIGKILL mid-transition converges after a restart', async () => {
  const statePath = path.join(dir, 'chinamobile.json');
  const first = await emulatorProcess('chinamobile', statePath);
  const control = new EmulatorControlClient(first.url);
  const ecloud = (url: string) => new EcloudClient({ ...KEY, endpointFor: () => url });
  const create = (url: string, name: string) =>
    ecloud(url).operation('CreateInstances', {
      region: 'CIDC-RP-25',
      body: { flavorName: 's6.large.2', instanceName: name, imageId: 'Ubuntu 22.04 64位', zoneId: 'wuxi-az2', chargeMode: 'HOUR', password: 'Crash-Pass-123', quantity: 1 },
    });
  try {
    await control.setDelays({ create: 50, stop: 4000 });
    await create(first.url, 'box-stopping');
    const [a] = await eventually(() => control.listInstances(), (l) => l[0]?.state === 'running', 10_000, 50);
    await control.setDelays({ create: 4000 });
    await create(first.url, 'box-pending');
    await ecloud(first.url).operation('BatchStopInstances', { region: 'CIDC-RP-25', body: { batchStopInstancesBody: { instanceIds: [a.id] } } });
    expect(states(await control.listInstances())).toEqual({ 'box-stopping': 'stopping', 'box-pending': 'pending' });
  } finally {
    first.proc.kill('SIGKILL');
  }
  await new Promise((r) => first.proc.once('exit', r));

  const second = await emulatorProcess('chinamobile', statePath);
  try {
    const again = new EmulatorControlClient(second.url);
    const settled = await eventually(() => again.listInstances(), (l) => l.every((i) => i.state === 'stopped' || i.state === 'running'), 15_000, 100);
    expect(states(settled)).toEqual({ 'box-stopping': 'stopped', 'box-pending': 'running' });
    // Signed calls work against the new process, with the kept instances.
    const listed = await ecloud(second.url).operation('DescribeInstances', { region: 'CIDC-RP-25', body: { page: 1, pageSize: 10 } });
    expect(JSON.stringify(listed.body)).toContain('box-pending');
  } finally {
    second.proc.kill('SIGTERM');
    await new Promise((r) => second.proc.once('exit', r));
  }
});

it('a Docker-backed instance is the same container, with the same SSH, after a restart; a clean stop leaves only owned containers', async () => {
  const docker = new Docker();
  const statePath = path.join(dir, 'tencent.json');
  const session = sessionOfState(statePath);
  const start = () => CLOUD_EMULATORS.tencent({ credentials: [KEY], backingOverride: 'docker', statePath, delays: { create: 10, start: 10, stop: 10, reboot: 10, delete: 10 } });
  const sessionContainers = async () => (await docker.listContainers({ all: true, filters: { label: [`${LABEL_EMULATOR_SESSION}=${session}`] } })).map((c) => c.Id);
  const spec = { region: 'ap-guangzhou', instanceType: 'SA2.SMALL1', imageId: 'img-487zeit5', password: 'Restart-Pass-42' };
  let emu: EmulatorHandle | undefined = await start();
  try {
    const [id] = emu.cloud.create(spec).instanceIds;
    const [gone] = emu.cloud.create(spec).instanceIds;
    const before = (await emu.cloud.waitForState(id, 'running', 90_000))!;
    await emu.cloud.waitForState(gone, 'running', 90_000);
    emu.cloud.delete(gone, { force: true });
    await emu.cloud.waitForState(gone, 'deleted', 30_000);
    const ssh = { host: before.publicIp!, port: 22, username: 'root', password: spec.password };
    const session1 = await SshSession.open(ssh, { deadlineMs: 30_000 });
    await session1.exec('echo before-restart > /root/marker');
    session1.close();

    await emu.close();
    emu = undefined;
    expect(await sessionContainers()).toEqual([before.backing.id]); // the live instance's, and nothing else
    expect((await docker.getContainer(before.backing.id!).inspect()).State.Running).toBe(true);

    emu = await start();
    const after = emu.cloud.get(id);
    expect(after).toMatchObject({ state: 'running', publicIp: before.publicIp, backing: { kind: 'docker', id: before.backing.id } });
    const session2 = await SshSession.open(ssh, { deadlineMs: 30_000 });
    expect((await session2.exec('cat /root/marker')).stdout.trim()).toBe('before-restart');
    session2.close();
    emu.cloud.stop(id);
    await emu.cloud.waitForState(id, 'stopped', 60_000);
    expect((await docker.getContainer(before.backing.id!).inspect()).State.Running).toBe(false);
  } finally {
    await emu?.cloud.reset();
    await emu?.close();
    expect(await sessionContainers()).toEqual([]);
  }
});
