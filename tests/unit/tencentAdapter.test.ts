/**
 * TencentProvider against the Tencent emulator (no Docker behind instances), plus the adapter's
 * data: spec mapping, status and error maps, client tokens.
 */
import { cvm } from 'tencentcloud-sdk-nodejs-cvm';
import { ProviderCallRecord } from '../../providers/baseProvider';
import { ProviderError } from '../../providers/errors';
import { configFromEnv } from '../../providers/settings';
import { EmulatorControlClient, EmulatorHandle, NoBacking } from '../../providers/emulation';
import { ResourceStatus } from '../../providers/types';
import { TencentProvider, clientToken } from '../../providers/tencent/adapter';
import { INSTANCE_TYPES } from '../../providers/tencent/catalog';
import { cvmHttpProfile } from '../../providers/tencent/endpoint';
import { kindOfTencentCode, toProviderError } from '../../providers/tencent/errors';
import { TENCENT_DEFAULT_STOCK, startTencentEmulator } from '../../providers/tencent/emulator';
import { TENCENT_STATUS, mapTencentState } from '../../providers/tencent/statusMap';
import { chooseFromCatalog, chooseInstanceType } from '../../providers/tencent/typeSelection';

const KEY = { accessKeyId: 'AKIDunitTestKey0001', accessKeySecret: 'unit-Test-SecretKey-42' };
const WAIT = { timeoutMs: 10_000, initialIntervalMs: 20, maxIntervalMs: 50 };
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const spec = (over: Record<string, unknown> = {}) => ({ cpu: 2, memory: 4, disk: 20, tags: { project: 'vibebox', vibeboxId: 'vb-1', userId: 'u-1' }, ...over });

let emu: EmulatorHandle;
let control: EmulatorControlClient;

async function provider(env: Record<string, string> = {}): Promise<TencentProvider> {
  const p = new TencentProvider();
  await p.initialize(configFromEnv('tencent', { ...emu.providerEnv(KEY), ...env }));
  return p;
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

function sdkClient(secretKey = KEY.accessKeySecret, secretId = KEY.accessKeyId) {
  return new cvm.v20170312.Client({ credential: { secretId, secretKey }, region: 'ap-guangzhou', profile: { httpProfile: cvmHttpProfile(emu.url, 10) } });
}

beforeAll(async () => {
  emu = await startTencentEmulator({ credentials: [KEY], backing: new NoBacking(), delays: { create: 30, start: 20, stop: 20, reboot: 20, delete: 20 } });
  control = new EmulatorControlClient(emu.url);
});
afterEach(async () => {
  await control.reset();
});
afterAll(async () => {
  await emu.close();
});

describe('spec mapping', () => {
  it('takes the cheapest type that fits and is on sale, in any zone', async () => {
    const p = await provider();
    const first = await p.createResource(spec());
    expect(first.metadata).toMatchObject({ instanceType: 'SA2.MEDIUM4', zone: 'ap-guangzhou-3', region: 'ap-guangzhou', price: { source: 'cloud' } });

    await control.setStock('ap-guangzhou', 'ap-guangzhou-3', 'SA2.MEDIUM4', 0);
    expect((await p.createResource(spec())).metadata).toMatchObject({ instanceType: 'SA2.MEDIUM4', zone: 'ap-guangzhou-6' });

    await control.setStock('ap-guangzhou', 'ap-guangzhou-6', 'SA2.MEDIUM4', 0);
    expect((await p.createResource(spec())).metadata).toMatchObject({ instanceType: 'S5.MEDIUM4' });
  });

  it('keeps to a configured zone, and uses spec.instanceType as given', async () => {
    const p = await provider({ TENCENT_OPTION_ZONE: 'ap-guangzhou-6' });
    expect((await p.createResource(spec())).metadata).toMatchObject({ zone: 'ap-guangzhou-6', instanceType: 'SA2.MEDIUM4' });
    expect((await p.createResource(spec({ instanceType: 'S6.LARGE8' }))).metadata).toMatchObject({ instanceType: 'S6.LARGE8', zone: 'ap-guangzhou-6' });
  });

  it('falls back to the catalog when the type query fails', async () => {
    const p = await provider();
    const calls: ProviderCallRecord[] = [];
    p.observeCalls((r) => calls.push(r));
    await control.injectFault({ action: 'DescribeZoneInstanceConfigInfos', kind: 'http5xx', status: 503 });
    const info = await p.createResource(spec());
    expect(info.metadata).toMatchObject({ instanceType: 'SA2.MEDIUM4', zone: 'ap-guangzhou-3', price: { source: 'catalog' } });
    expect(calls.find((c) => c.action === 'describeInstanceTypes')).toMatchObject({ outcome: 'error', errorKind: 'Transient', errorCode: 'HTTP503' });
    expect(calls.find((c) => c.action === 'createResource')).toMatchObject({ outcome: 'ok', resourceId: info.id, providerRequestId: expect.stringMatching(REQUEST_ID) });
  });

  it('sold out everywhere it fits → InsufficientStock; no type that big → InvalidRequest', async () => {
    const p = await provider();
    for (const zone of ['ap-guangzhou-3', 'ap-guangzhou-6']) {
      for (const t of INSTANCE_TYPES) await control.setStock('ap-guangzhou', zone, t.instanceType, 0);
    }
    expect(await rejection(p.createResource(spec()))).toMatchObject({ kind: 'InsufficientStock', requestId: expect.stringMatching(REQUEST_ID) });
    await control.reset();
    expect((await rejection(p.createResource(spec({ cpu: 64, memory: 512 })))).kind).toBe('InvalidRequest');
  });

  it('prices missing from the answer come from the catalog; sold-out and stockless offers are skipped', () => {
    const offer = (instanceType: string, cpu: number, memoryGiB: number, extra: Record<string, unknown> = {}) => ({ zone: 'z1', instanceType, cpu, memoryGiB, status: 'SELL', statusCategory: 'EnoughStock', ...extra });
    const need = { cpu: 2, memory: 4 };
    expect(chooseInstanceType([offer('S5.MEDIUM4', 2, 4), offer('SA2.MEDIUM4', 2, 4)], need)).toMatchObject({ instanceType: 'SA2.MEDIUM4', priceSource: 'catalog' });
    expect(chooseInstanceType([offer('S5.MEDIUM4', 2, 4, { cnyPerHour: 0.01 }), offer('SA2.MEDIUM4', 2, 4)], need)).toMatchObject({ instanceType: 'S5.MEDIUM4', priceSource: 'cloud' });
    expect(chooseInstanceType([offer('X9.UNLISTED', 2, 4), offer('S6.MEDIUM4', 2, 4)], need)?.instanceType).toBe('S6.MEDIUM4');
    expect(chooseInstanceType([offer('SA2.MEDIUM4', 2, 4, { status: 'SOLD_OUT' }), offer('SA2.MEDIUM4', 2, 4, { statusCategory: 'WithoutStock' }), offer('S5.MEDIUM4', 2, 4)], need)?.instanceType).toBe('S5.MEDIUM4');
    expect(chooseInstanceType([offer('SA2.SMALL2', 1, 2)], need)).toBeUndefined();
    expect(chooseFromCatalog({ cpu: 3, memory: 6 })?.instanceType).toBe('SA2.LARGE8');
  });
});

describe('lifecycle through the emulator', () => {
  it('maps states, keeps tags (including the emulated mark) and addresses, and hands back the password', async () => {
    const p = await provider();
    // Slow enough that the transitional states are observed, not raced past.
    await control.setDelays({ create: 300, start: 300, stop: 300, reboot: 300, delete: 300 });
    const created = await p.createResource(spec({ name: 'vibebox-unit' }));
    expect(created).toMatchObject({ status: ResourceStatus.CREATING, sshUser: 'root', sshPort: 22, metadata: { tencentState: 'PENDING', instanceName: 'vibebox-unit' } });
    expect(created.id).toMatch(/^ins-[a-z0-9]{8}$/);
    expect(created.sshPassword).toBe(emu.cloud.passwordOf(created.id));

    const running = await p.waitForStatus(created.id, ResourceStatus.RUNNING, WAIT);
    expect(running?.ipAddress).toMatch(/^(198\.51\.100|203\.0\.113|192\.0\.2)\./);
    expect(running?.privateIp).toMatch(/^10\./);
    expect(running?.metadata).toMatchObject({
      tencentState: 'RUNNING',
      latestOperation: 'RunInstances',
      latestOperationState: 'SUCCESS',
      tags: { project: 'vibebox', vibeboxId: 'vb-1', userId: 'u-1', 'vibebox:emulated': 'tencent' },
    });

    await p.stopResource(created.id);
    expect((await p.getResourceInfo(created.id)).status).toBe(ResourceStatus.STOPPING);
    await p.stopResource(created.id); // stopping already: success
    await p.waitForStatus(created.id, ResourceStatus.STOPPED, WAIT);
    await p.stopResource(created.id, { force: true }); // stopped already: success

    const restart = await rejection(p.restartResource(created.id));
    expect(restart).toMatchObject({ kind: 'InvalidState', code: 'UnsupportedOperation.InstanceStateStopped', requestId: expect.stringMatching(REQUEST_ID) });

    await p.startResource(created.id);
    await p.startResource(created.id); // starting already: success
    await p.waitForStatus(created.id, ResourceStatus.RUNNING, WAIT);
    await p.restartResource(created.id, { force: true });
    expect((await p.getResourceInfo(created.id)).status).toBe(ResourceStatus.STARTING); // REBOOTING
    await p.waitForStatus(created.id, ResourceStatus.RUNNING, WAIT);

    await p.deleteResource(created.id); // running: Terminate needs no stop
    expect((await p.getResourceInfo(created.id)).status).toBe(ResourceStatus.DELETING); // TERMINATING
    await p.waitForStatus(created.id, ResourceStatus.DELETED, WAIT);
    expect(await rejection(p.getResourceInfo(created.id))).toMatchObject({ kind: 'NotFound', requestId: expect.stringMatching(REQUEST_ID) });
    await p.deleteResource(created.id); // gone: success
  });

  it('a failed launch is ERROR', async () => {
    const p = await provider();
    await control.failNextLaunches(1);
    const info = await p.createResource(spec());
    expect(await rejection(p.waitForStatus(info.id, ResourceStatus.RUNNING, WAIT))).toMatchObject({ kind: 'InvalidState' });
    expect((await p.getResourceInfo(info.id)).metadata).toMatchObject({ tencentState: 'LAUNCH_FAILED', latestOperationState: 'FAILED' });
  });

  it('the same client token gives one instance, also when the token is longer than Tencent allows', async () => {
    const p = await provider();
    const token = `wf-vibebox-${'x'.repeat(90)}-candidate-1`;
    const a = await p.createResource(spec({ clientToken: token }));
    const b = await p.createResource(spec({ clientToken: token }));
    expect(b.id).toBe(a.id);
    expect((await control.listInstances()).filter((i) => i.id === a.id)).toHaveLength(1);
    const c = await p.createResource(spec({ clientToken: token.replace('candidate-1', 'candidate-2') }));
    expect(c.id).not.toBe(a.id);

    expect(clientToken(token)).toHaveLength(64);
    expect(clientToken(token)).toBe(clientToken(token));
    expect(clientToken('short-token')).toBe('short-token');
  });

  it('keeps passwords and the SecretKey out of logs', async () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug';
    try {
      const p = await provider();
      const info = await p.createResource(spec({ password: 'Very-secret-Pass-7' }));
      await (await provider({ TENCENT_ACCESS_KEY_SECRET: 'wrong-Secret-Key-9' })).getResourceInfo(info.id).catch(() => undefined);
      const all = lines.join('');
      expect(all).toContain(info.id); // the capture works: these calls were logged
      expect(all).toContain('AuthFailure.SignatureFailure');
      expect(all).not.toContain('Very-secret-Pass-7');
      expect(all).not.toContain(KEY.accessKeySecret);
      expect(all).not.toContain('wrong-Secret-Key-9');
    } finally {
      write.mockRestore();
      if (level === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = level;
    }
  });
});

describe('errors', () => {
  it('maps quota, throttling, auth and malformed ids to kinds, keeping the code and RequestId', async () => {
    const p = await provider();
    await control.setQuota(0);
    expect(await rejection(p.createResource(spec()))).toMatchObject({ kind: 'InsufficientStock', code: 'LimitExceeded.InstanceQuota', requestId: expect.stringMatching(REQUEST_ID) });

    await control.setThrottle({ forced: true });
    expect(await rejection(p.getResourceInfo('ins-00000000'))).toMatchObject({ kind: 'Throttled', code: 'RequestLimitExceeded' });
    await control.setThrottle({ forced: false });

    expect(await rejection(p.getResourceInfo('i-not-tencent'))).toMatchObject({ kind: 'InvalidRequest', code: 'InvalidInstanceId.Malformed' });
    expect(await rejection(p.startResource('ins-00000000'))).toMatchObject({ kind: 'NotFound', code: 'InvalidInstanceId.NotFound' });

    const bad = await provider({ TENCENT_ACCESS_KEY_SECRET: 'wrong-Secret-Key-9' });
    expect(await rejection(bad.getResourceInfo('ins-00000000'))).toMatchObject({ kind: 'AuthFailed', code: 'AuthFailure.SignatureFailure' });
    expect(await bad.healthCheck()).toBe(false);
    expect(await p.healthCheck()).toBe(true);
  });

  it('a hung call times out as Transient; an injected 5xx is Transient', async () => {
    const p = await provider({ TENCENT_OPTION_REQUEST_TIMEOUT_SECONDS: '1' });
    await control.injectFault({ action: 'DescribeInstances', kind: 'hang' });
    expect(await rejection(p.getResourceInfo('ins-00000000'))).toMatchObject({ kind: 'Transient', code: 'NetworkError' });
    await control.injectFault({ action: 'DescribeInstances', kind: 'http5xx', status: 502 });
    expect(await rejection(p.getResourceInfo('ins-00000000'))).toMatchObject({ kind: 'Transient', httpStatus: 502 });
  });

  it('the code table covers the documented families; unknown codes need a decision', () => {
    const table: Array<[string, string]> = [
      ['ResourceInsufficient.SpecifiedInstanceType', 'InsufficientStock'],
      ['ResourceInsufficient.AvailabilityZoneSoldOut', 'InsufficientStock'],
      ['ResourcesSoldOut.SpecifiedInstanceType', 'InsufficientStock'],
      ['ResourceUnavailable.InstanceType', 'InsufficientStock'],
      ['LimitExceeded.InstanceQuota', 'InsufficientStock'],
      ['RequestLimitExceeded', 'Throttled'],
      ['UnsupportedOperation.InstanceStateRunning', 'InvalidState'],
      ['OperationDenied.InstanceOperationInProgress', 'InvalidState'],
      ['MutexOperation.TaskRunning', 'InvalidState'],
      ['InvalidInstanceId.NotFound', 'NotFound'],
      ['AuthFailure.SignatureExpire', 'AuthFailed'],
      ['InvalidParameterValue.Range', 'InvalidRequest'],
      ['InvalidParameterCombination', 'InvalidRequest'],
      ['MissingParameter', 'InvalidRequest'],
      ['UnknownParameter', 'InvalidRequest'],
      ['InvalidInstanceId.Malformed', 'InvalidRequest'],
      ['InternalError', 'Transient'],
      ['SomethingNew.NobodyListed', 'InvalidRequest'],
    ];
    for (const [code, kind] of table) expect([code, kindOfTencentCode(code)]).toEqual([code, kind]);

    const sdkError = Object.assign(new Error('boom'), { code: 'InternalError', requestId: 'req-1' });
    expect(toProviderError(sdkError, 'X')).toMatchObject({ kind: 'Transient', code: 'InternalError', requestId: 'req-1' });
    expect(toProviderError(Object.assign(new Error('Too Many'), { requestId: '', httpCode: 429 }), 'X')).toMatchObject({ kind: 'Throttled', httpStatus: 429 });
    expect(toProviderError(new Error('connect ECONNREFUSED'), 'X')).toMatchObject({ kind: 'Transient', code: 'NetworkError' });
  });

  it('the status table covers every InstanceState; unknown ones are ERROR', () => {
    expect(Object.keys(TENCENT_STATUS).sort()).toEqual(['LAUNCH_FAILED', 'PENDING', 'REBOOTING', 'RUNNING', 'SHUTDOWN', 'STARTING', 'STOPPED', 'STOPPING', 'TERMINATING']);
    expect(mapTencentState('PENDING')).toBe(ResourceStatus.CREATING);
    expect(mapTencentState('REBOOTING')).toBe(ResourceStatus.STARTING);
    expect(mapTencentState('TERMINATING')).toBe(ResourceStatus.DELETING);
    expect(mapTencentState('LAUNCH_FAILED')).toBe(ResourceStatus.ERROR);
    expect(mapTencentState('MELTING')).toBe(ResourceStatus.ERROR);
    expect(mapTencentState(undefined)).toBe(ResourceStatus.ERROR);
  });
});

describe('the official SDK, unmodified, against the emulator', () => {
  it('drives create → describe → stop → start → terminate', async () => {
    const c = sdkClient();
    // Held in PENDING until described: a loaded machine must not race the 30 ms launch.
    emu.cloud.setStuck('create', true);
    const run = await c.RunInstances({
      Placement: { Zone: 'ap-guangzhou-6' },
      InstanceType: 'S5.SMALL2',
      ImageId: 'img-487zeit5',
      InstanceCount: 1,
      InstanceName: 'sdk-driven',
      LoginSettings: { Password: 'Sdk-driven-Pass-1' },
      SystemDisk: { DiskType: 'CLOUD_SSD', DiskSize: 30 },
      InternetAccessible: { InternetMaxBandwidthOut: 5, PublicIpAssigned: true },
      TagSpecification: [{ ResourceType: 'instance', Tags: [{ Key: 'suite', Value: 'sdk' }] }],
    });
    const id = run.InstanceIdSet![0];
    expect(run.RequestId).toMatch(REQUEST_ID);

    const described = await c.DescribeInstances({ Filters: [{ Name: 'tag:suite', Values: ['sdk'] }] });
    expect(described.TotalCount).toBe(1);
    expect(described.InstanceSet![0]).toMatchObject({ InstanceId: id, InstanceState: 'PENDING', InstanceType: 'S5.SMALL2', CPU: 1, Memory: 2, SystemDisk: { DiskType: 'CLOUD_SSD', DiskSize: 30 }, Placement: { Zone: 'ap-guangzhou-6' } });
    emu.cloud.setStuck('create', false);

    await emu.cloud.waitForState(id, 'running');
    await c.StopInstances({ InstanceIds: [id], StopType: 'SOFT' });
    await emu.cloud.waitForState(id, 'stopped');
    const stopped = await c.DescribeInstances({ InstanceIds: [id] });
    expect(stopped.InstanceSet![0]).toMatchObject({ InstanceState: 'STOPPED', LatestOperation: 'StopInstances', LatestOperationState: 'SUCCESS' });
    await c.StartInstances({ InstanceIds: [id] });
    await emu.cloud.waitForState(id, 'running');
    await c.TerminateInstances({ InstanceIds: [id] });
    await emu.cloud.waitForState(id, 'deleted');
    expect((await c.DescribeInstances({ InstanceIds: [id] })).TotalCount).toBe(0);

    const regions = await c.DescribeRegions();
    expect(regions.RegionSet!.map((r) => r.Region)).toEqual(expect.arrayContaining(['ap-guangzhou', 'ap-shanghai']));
    const zones = await c.DescribeZones();
    expect(zones.ZoneSet!.map((z) => z.Zone)).toEqual(['ap-guangzhou-3', 'ap-guangzhou-6']);
    const quote = await c.InquiryPriceRunInstances({ Placement: { Zone: 'ap-guangzhou-3' }, InstanceType: 'SA2.MEDIUM4', ImageId: 'img-487zeit5' });
    expect(quote.Price?.InstancePrice?.UnitPrice).toBeGreaterThan(0);
  });

  it('refuses a wrong secret with AuthFailure.SignatureFailure and an unknown SecretId with AuthFailure.SecretIdNotFound', async () => {
    await expect(sdkClient('not-the-secret').DescribeRegions()).rejects.toMatchObject({ code: 'AuthFailure.SignatureFailure', requestId: expect.stringMatching(REQUEST_ID) });
    await expect(sdkClient(KEY.accessKeySecret, 'AKIDnobody').DescribeRegions()).rejects.toMatchObject({ code: 'AuthFailure.SecretIdNotFound' });
  });

  it('answers the cloud’s codes for bad requests', async () => {
    const c = sdkClient();
    await expect(c.RunInstances({ Placement: { Zone: 'ap-guangzhou-3' }, ImageId: 'img-487zeit5' })).rejects.toMatchObject({ code: 'MissingParameter' });
    await expect(c.RunInstances({ Placement: { Zone: 'ap-shanghai-2' }, InstanceType: 'SA2.SMALL1', ImageId: 'img-487zeit5' })).rejects.toMatchObject({ code: 'InvalidZone.MismatchRegion' });
    await expect(c.RunInstances({ Placement: { Zone: 'ap-guangzhou-3' }, InstanceType: 'SA2.SMALL1', ImageId: 'img-nope0000' })).rejects.toMatchObject({ code: 'InvalidImageId.NotFound' });
    await expect(c.RunInstances({ Placement: { Zone: 'ap-guangzhou-3' }, InstanceType: 'SA2.SMALL1', ImageId: 'img-487zeit5', LoginSettings: { Password: 'weak' } })).rejects.toMatchObject({ code: 'InvalidPassword' });
    await expect(c.DescribeInstances({ InstanceIds: ['ins-00000000'], Filters: [{ Name: 'zone', Values: ['ap-guangzhou-3'] }] })).rejects.toMatchObject({ code: 'InvalidParameterCombination' });
    await control.setStock('ap-guangzhou', 'ap-guangzhou-3', 'SA2.SMALL1', 0);
    await expect(c.RunInstances({ Placement: { Zone: 'ap-guangzhou-3' }, InstanceType: 'SA2.SMALL1', ImageId: 'img-487zeit5' })).rejects.toMatchObject({ code: 'ResourceInsufficient.SpecifiedInstanceType' });
    const sold = await c.DescribeZoneInstanceConfigInfos({ Filters: [{ Name: 'zone', Values: ['ap-guangzhou-3'] }, { Name: 'instance-type', Values: ['SA2.SMALL1'] }, { Name: 'instance-charge-type', Values: ['POSTPAID_BY_HOUR'] }] });
    expect(sold.InstanceTypeQuotaSet).toEqual([expect.objectContaining({ Status: 'SOLD_OUT', StatusCategory: 'WithoutStock' })]);
    expect(TENCENT_DEFAULT_STOCK).toBeGreaterThan(0);
  });
});
