/**
 * An emulator that keeps its state (statePath) and is restarted over it: the instances, their
 * states and passwords, client-token idempotency, stock counters and the cloud layer's own notes
 * are all still there, and a transition the restart cut short finishes. Driven through the
 * official Node SDK, as the platform drives it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cvm } from 'tencentcloud-sdk-nodejs-cvm';
import { EmulatorControlClient, EmulatorHandle, NoBacking } from '../../providers/emulation';
import { startTencentEmulator } from '../../providers/tencent/emulator';
import { cvmHttpProfile } from '../../providers/tencent/endpoint';

const KEY = { accessKeyId: 'AKIDstateTest', accessKeySecret: 'state-Secret-Key-1' };
const FAST = { create: 20, start: 20, stop: 20, reboot: 20, delete: 20 };

let dir: string;
let statePath: string;
const open: EmulatorHandle[] = [];

async function emulator(delays: Record<string, number> = FAST): Promise<EmulatorHandle> {
  const emu = await startTencentEmulator({ credentials: [KEY], backing: new NoBacking(), delays, statePath });
  open.push(emu);
  return emu;
}

function sdk(emu: EmulatorHandle) {
  return new cvm.v20170312.Client({ credential: { secretId: KEY.accessKeyId, secretKey: KEY.accessKeySecret }, region: 'ap-guangzhou', profile: { httpProfile: cvmHttpProfile(emu.url, 10) } });
}

const run = (emu: EmulatorHandle, ClientToken?: string) =>
  sdk(emu).RunInstances({ Placement: { Zone: 'ap-guangzhou-3' }, InstanceType: 'SA2.SMALL1', ImageId: 'img-487zeit5', LoginSettings: { Password: 'Kept-Pass-123' }, ClientToken });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-state-'));
  statePath = path.join(dir, 'tencent.json');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

it('keeps instances, states, passwords, client tokens, stock and notes across a restart', async () => {
  const first = await emulator();
  const [kept] = (await run(first, 'token-kept')).InstanceIdSet!;
  const [stopped] = (await run(first)).InstanceIdSet!;
  await first.cloud.waitForState(kept, 'running');
  await first.cloud.waitForState(stopped, 'running');
  await sdk(first).StopInstances({ InstanceIds: [stopped] });
  await first.cloud.waitForState(stopped, 'stopped');
  await new EmulatorControlClient(first.url).setStock('ap-guangzhou', 'ap-guangzhou-6', 'SA2.SMALL1', 7);
  const password = first.cloud.passwordOf(kept);
  await first.close();
  expect(fs.statSync(statePath).mode & 0o777).toBe(0o600); // it holds passwords

  const second = await emulator();
  expect(second.url).not.toBe(first.url);
  const listed = await sdk(second).DescribeInstances({ InstanceIds: [kept, stopped] });
  expect(Object.fromEntries(listed.InstanceSet!.map((i) => [i.InstanceId, i.InstanceState]))).toEqual({ [kept]: 'RUNNING', [stopped]: 'STOPPED' });
  // Tencent's own notes (kept beside the core's records) came back too.
  expect(listed.InstanceSet!.find((i) => i.InstanceId === stopped)).toMatchObject({ LatestOperation: 'StopInstances', LatestOperationState: 'SUCCESS' });
  expect(second.cloud.passwordOf(kept)).toBe(password);
  expect((await run(second, 'token-kept')).InstanceIdSet).toEqual([kept]); // same token, no second instance
  expect(second.cloud.list()).toHaveLength(2);
  expect(second.cloud.stockOf('ap-guangzhou', 'ap-guangzhou-6', 'SA2.SMALL1')).toBe(7);

  // Still a working cloud: the restored instances take new operations, and new ones get new addresses.
  await sdk(second).StartInstances({ InstanceIds: [stopped] });
  await second.cloud.waitForState(stopped, 'running');
  const [fresh] = (await run(second)).InstanceIdSet!;
  const running = await second.cloud.waitForState(fresh, 'running');
  expect(running?.privateIp).not.toBe(second.cloud.get(kept).privateIp);
  expect(running?.publicIp).not.toBe(second.cloud.get(kept).publicIp);
});

it('finishes a transition the restart cut short, on the time it had left', async () => {
  const first = await emulator({ ...FAST, stop: 1500 });
  const [id] = (await run(first)).InstanceIdSet!;
  await first.cloud.waitForState(id, 'running');
  await sdk(first).StopInstances({ InstanceIds: [id] });
  await first.close();

  const second = await emulator(); // its own stop delay is short: the saved one (1.5 s) still rules
  expect(second.cloud.get(id)).toMatchObject({ state: 'stopping', transition: 'stop' });
  await second.cloud.waitForState(id, 'stopped', 5000);
});

it('a deleted instance stays deleted, and its client token keeps answering with it', async () => {
  const first = await emulator();
  const [id] = (await run(first, 'token-gone')).InstanceIdSet!;
  await first.cloud.waitForState(id, 'running');
  await sdk(first).TerminateInstances({ InstanceIds: [id] });
  await first.cloud.waitForState(id, 'deleted');
  await first.close();

  const second = await emulator();
  expect(second.cloud.list()).toEqual([]);
  expect((await run(second, 'token-gone')).InstanceIdSet).toEqual([id]);
  expect(second.cloud.list()).toEqual([]);
});

it('refuses to start over a state file it cannot read, rather than forget what it held', async () => {
  fs.writeFileSync(statePath, '{"version":1,"cloud":"tencent"}');
  await expect(emulator()).rejects.toThrow(/not readable/);
});
