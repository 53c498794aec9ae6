/**
 * AliyunProvider against the ECS emulator (address-only instances, short delays): the parts of
 * the adapter the contract suite does not pin down — instance type choice, catalog fallback,
 * status and error mapping with the cloud's RequestId, ClientToken idempotency, secrets — and
 * the official SDK, unmodified, driving the emulator directly.
 */
import Ecs, {
  DeleteInstanceRequest,
  DescribeInstancesRequest,
  DescribePriceRequest,
  RunInstancesRequest,
  RunInstancesRequestTag,
  StartInstanceRequest,
  StopInstanceRequest,
} from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { AliyunProvider } from '../../providers/aliyun/adapter';
import { kindOfAliyunCode } from '../../providers/aliyun/errors';
import { startAliyunEmulator } from '../../providers/aliyun/emulator';
import { EMULATED_TAG } from '../../providers/aliyun/emulator/actions';
import { mapAliyunStatus } from '../../providers/aliyun/statusMap';
import { ProviderCallRecord } from '../../providers/baseProvider';
import { ProviderError } from '../../providers/errors';
import { EmulatorControlClient, EmulatorHandle, NoBacking } from '../../providers/emulation';
import { configFromEnv } from '../../providers/settings';
import { ResourceSpec, ResourceStatus } from '../../providers/types';

const creds = { accessKeyId: 'LTAI-adapter-test', accessKeySecret: 'adapter-test-secret' };
const REGION = 'cn-hangzhou';
const ZONES = ['cn-hangzhou-h', 'cn-hangzhou-i', 'cn-hangzhou-j'];
const FAST = { timeoutMs: 5_000, initialIntervalMs: 20, maxIntervalMs: 50 };

let emulator: EmulatorHandle;
let control: EmulatorControlClient;

async function provider(overrides: Record<string, string> = {}): Promise<AliyunProvider> {
  const p = new AliyunProvider();
  await p.initialize(configFromEnv('aliyun', { ...emulator.providerEnv(creds), ...overrides }));
  return p;
}

function sdkClient(secret = creds.accessKeySecret): Ecs {
  return new Ecs(
    new $OpenApiUtil.Config({ accessKeyId: creds.accessKeyId, accessKeySecret: secret, endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http', regionId: REGION }),
  );
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

const spec = (over: Partial<ResourceSpec> = {}): ResourceSpec => ({ cpu: 2, memory: 4, disk: 20, ...over });

beforeAll(async () => {
  emulator = await startAliyunEmulator({
    credentials: [creds],
    backing: new NoBacking(),
    delays: { create: 40, start: 40, stop: 40, reboot: 40, delete: 40 },
  });
  control = new EmulatorControlClient(emulator.url);
});
afterAll(() => emulator.close());
beforeEach(() => control.reset());

describe('instance type selection (seed 规格映射)', () => {
  it('picks the cheapest type with at least the cpu and memory asked for', async () => {
    const p = await provider();
    expect((await p.createResource(spec({ cpu: 2, memory: 4 }))).metadata).toMatchObject({
      instanceType: 'ecs.t6-c1m2.large',
      instanceTypeSource: 'cloud',
      price: { amount: 118, currency: 'CNY', per: 'month' },
    });
    expect((await p.createResource(spec({ cpu: 2, memory: 8 }))).metadata.instanceType).toBe('ecs.g6.large');
    expect((await p.createResource(spec({ cpu: 3, memory: 1 }))).metadata.instanceType).toBe('ecs.c6.xlarge');
  });

  it('skips a type the cloud reports sold out in every zone and takes the next cheapest', async () => {
    for (const zone of ZONES) await control.setStock(REGION, zone, 'ecs.t6-c1m2.large', 0);
    const info = await (await provider()).createResource(spec());
    expect(info.metadata.instanceType).toBe('ecs.t5-c1m2.large');
  });

  it('falls back to the catalog when DescribeAvailableResource fails', async () => {
    await control.injectFault({ action: 'DescribeAvailableResource', kind: 'http5xx', status: 503 });
    const info = await (await provider()).createResource(spec());
    expect(info.metadata).toMatchObject({ instanceType: 'ecs.t6-c1m2.large', instanceTypeSource: 'catalog' });
    expect(await control.listFaults()).toEqual([]); // the fault fired (and wore off)
    expect((await control.listInstances())[0].instanceType).toBe('ecs.t6-c1m2.large');
  });

  it('says InsufficientStock, with the query’s RequestId, when nothing that fits has stock', async () => {
    for (const zone of ZONES) for (const t of emulator.cloud.catalog.instanceTypes) await control.setStock(REGION, zone, t.instanceType, 0);
    const err = await rejection((await provider()).createResource(spec()));
    expect(err).toMatchObject({ kind: 'InsufficientStock', code: 'NoAvailableInstanceType' });
    expect(err.requestId).toMatch(/^[0-9A-F-]{36}$/);
  });

  it('uses the type the caller names without asking, and maps ECS’s no-stock answer', async () => {
    await control.setStock(REGION, 'cn-hangzhou-i', 'ecs.c6.large', 0);
    const err = await rejection((await provider()).createResource(spec({ instanceType: 'ecs.c6.large', zone: 'cn-hangzhou-i' })));
    expect(err).toMatchObject({ kind: 'InsufficientStock', code: 'OperationDenied.NoStock', httpStatus: 403 });
    expect(err.requestId).toMatch(/^[0-9A-F-]{36}$/);
  });
});

describe('create', () => {
  it('sends password, name, disk and tags; the box is marked emulated by the emulator, not the adapter', async () => {
    const p = await provider();
    const info = await p.createResource(
      spec({ name: 'vibebox-abc', password: 'Given-Passw0rd!', tags: { project: 'vibebox', vibeboxId: 'abc', userId: 'u1' } }),
    );
    expect(info).toMatchObject({ status: ResourceStatus.CREATING, sshUser: 'root', sshPort: 22, sshPassword: 'Given-Passw0rd!' });
    expect(emulator.cloud.passwordOf(info.id)).toBe('Given-Passw0rd!');
    const running = await p.waitForStatus(info.id, ResourceStatus.RUNNING, FAST);
    expect(running?.metadata).toMatchObject({
      regionId: REGION,
      instanceName: 'vibebox-abc',
      aliyunStatus: 'Running',
      tags: { project: 'vibebox', vibeboxId: 'abc', userId: 'u1', [EMULATED_TAG.key]: EMULATED_TAG.value },
    });
    expect(emulator.cloud.get(info.id).diskGiB).toBe(20);
    expect(running?.ipAddress).toMatch(/^(198\.51\.100|203\.0\.113|192\.0\.2)\./);
    expect(running?.privateIp).toMatch(/^10\./);
    expect(running?.sshPassword).toBeUndefined();
  });

  it('generates a strong password when none is given', async () => {
    const info = await (await provider()).createResource(spec());
    expect(info.sshPassword).toMatch(/^.{20}$/);
    expect(emulator.cloud.passwordOf(info.id)).toBe(info.sshPassword);
  });

  it('the same ClientToken twice makes one instance', async () => {
    const p = await provider();
    const a = await p.createResource(spec({ clientToken: 'token-1' }));
    const b = await p.createResource(spec({ clientToken: 'token-1' }));
    expect(b.id).toBe(a.id);
    expect(await control.listInstances()).toHaveLength(1);
  });

  it('refuses a region other than its own, where it could never find the instance again', async () => {
    const err = await rejection((await provider()).createResource(spec({ region: 'cn-beijing' })));
    expect(err).toMatchObject({ kind: 'InvalidRequest', code: 'RegionMismatch' });
    expect(await control.listInstances()).toHaveLength(0);
  });

  it('refuses an image it cannot map, before calling the cloud', async () => {
    const err = await rejection((await provider()).createResource(spec({ image: 'windows-95' })));
    expect(err).toMatchObject({ kind: 'InvalidRequest', code: 'UnknownImage' });
    expect(await control.listInstances()).toHaveLength(0);
  });

  it('never lets the password into an error, even when the call times out', async () => {
    const p = await provider({ ALIYUN_OPTION_READ_TIMEOUT_MS: '300' });
    await control.injectFault({ action: 'RunInstances', kind: 'hang' });
    const err = await rejection(p.createResource(spec({ instanceType: 'ecs.c6.large', password: 'Sup3r-Secret-Pw' })));
    expect(err.kind).toBe('Transient');
    expect(`${err.message} ${JSON.stringify(err)} ${String(err.cause)}`).not.toContain('Sup3r-Secret-Pw');
  });
});

describe('status and error mapping', () => {
  it('maps every ECS status, and anything unknown to ERROR', () => {
    expect(['Pending', 'Starting', 'Running', 'Stopping', 'Stopped', 'Released', undefined].map(mapAliyunStatus)).toEqual([
      ResourceStatus.CREATING,
      ResourceStatus.STARTING,
      ResourceStatus.RUNNING,
      ResourceStatus.STOPPING,
      ResourceStatus.STOPPED,
      ResourceStatus.ERROR,
      ResourceStatus.ERROR,
    ]);
  });

  it('a failed launch shows as ERROR and ends a wait at once', async () => {
    await control.failNextLaunches(1);
    const p = await provider();
    const info = await p.createResource(spec());
    expect((await rejection(p.waitForStatus(info.id, ResourceStatus.RUNNING, FAST))).kind).toBe('InvalidState');
    expect((await p.getResourceInfo(info.id)).status).toBe(ResourceStatus.ERROR);
  });

  it('maps ECS codes to kinds: exact, by prefix, then by HTTP status', () => {
    const cases: Array<[string | undefined, number | undefined, string]> = [
      ['OperationDenied.NoStock', 403, 'InsufficientStock'],
      ['Zone.NotOnSale', 400, 'InsufficientStock'],
      ['QuotaExceed.ElasticQuota', 403, 'InsufficientStock'],
      ['Throttling.User', 400, 'Throttled'],
      ['Throttling', 400, 'Throttled'],
      ['IncorrectInstanceStatus.Initializing', 403, 'InvalidState'],
      ['InvalidInstanceId.NotFound', 404, 'NotFound'],
      ['InvalidRegionId.NotFound', 404, 'InvalidRequest'],
      ['InvalidAccessKeyId.NotFound', 404, 'AuthFailed'],
      ['SignatureDoesNotMatch', 400, 'AuthFailed'],
      ['Forbidden.RAM', 403, 'AuthFailed'],
      ['InvalidParameter.Foo', 400, 'InvalidRequest'],
      ['InvalidParameterX', 400, 'InvalidRequest'],
      ['InternalError', 500, 'Transient'],
      ['SomethingNew', 503, 'Transient'],
      ['SomethingNew', 409, 'InvalidRequest'],
      [undefined, undefined, 'Transient'],
    ];
    expect(cases.map(([code, status]) => kindOfAliyunCode(code, status))).toEqual(cases.map(([, , kind]) => kind));
  });

  it('keeps the cloud’s code and RequestId on the error and in the audit record', async () => {
    const p = await provider();
    const records: ProviderCallRecord[] = [];
    p.observeCalls((r) => records.push(r));
    const err = await rejection(p.startResource('i-doesnotexist000000000'));
    expect(err).toMatchObject({ kind: 'NotFound', code: 'InvalidInstanceId.NotFound', httpStatus: 404 });
    expect(err.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(records).toEqual([expect.objectContaining({ action: 'StartInstance', outcome: 'error', providerRequestId: err.requestId, errorCode: 'InvalidInstanceId.NotFound' })]);
    await p.healthCheck();
    expect(records.find((r) => r.action === 'DescribeRegions')?.providerRequestId).toMatch(/^[0-9A-F-]{36}$/);
  });

  it('throttling is Throttled with ECS’s retry-after in seconds', async () => {
    await control.setThrottle({ forced: true, retryAfterSeconds: 3 });
    const err = await rejection((await provider()).getResourceInfo('i-any'));
    expect(err).toMatchObject({ kind: 'Throttled', code: 'Throttling.User', retryAfterSeconds: 3 });
  });

  it('already stopped / already running are success; reboot of a stopped box and delete of a running one without force are InvalidState', async () => {
    const p = await provider();
    const { id } = await p.createResource(spec());
    await p.waitForStatus(id, ResourceStatus.RUNNING, FAST);
    await p.startResource(id);
    expect((await rejection(p.deleteResource(id))).kind).toBe('InvalidState');
    await p.stopResource(id);
    await p.stopResource(id); // while stopping: a graceful stop is already under way
    await p.waitForStatus(id, ResourceStatus.STOPPED, FAST);
    await p.stopResource(id, { force: true });
    expect((await rejection(p.restartResource(id))).kind).toBe('InvalidState');
    await p.deleteResource(id);
    await p.waitForStatus(id, ResourceStatus.DELETED, FAST);
    await p.deleteResource(id);
  });
});

describe('the official SDK, unmodified, against the emulator', () => {
  it('drives create → describe → stop → start → delete with ECS’s field names', async () => {
    const ecs = sdkClient();
    const run = await ecs.runInstances(
      new RunInstancesRequest({
        regionId: REGION,
        imageId: 'ubuntu_22_04_x64_20G_alibase_20240926.vhd',
        instanceType: 'ecs.c6.large',
        amount: 1,
        password: 'Sdk-Driven-Pw1',
        internetMaxBandwidthOut: 1,
        tag: [new RunInstancesRequestTag({ key: 'project', value: 'vibebox' })],
      }),
    );
    expect(run.statusCode).toBe(200);
    const id = run.body!.instanceIdSets!.instanceIdSet![0];
    const describe = async () =>
      (await ecs.describeInstances(new DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([id]) }))).body!.instances!.instance![0];
    expect((await describe()).status).toBe('Pending');
    await emulator.cloud.waitForState(id, 'running');
    const running = await describe();
    expect(running).toMatchObject({ instanceId: id, status: 'Running', instanceType: 'ecs.c6.large', cpu: 2, memory: 4096, zoneId: 'cn-hangzhou-h' });
    expect(running.publicIpAddress?.ipAddress).toHaveLength(1);
    expect(running.tags?.tag).toEqual(expect.arrayContaining([expect.objectContaining({ tagKey: 'project', tagValue: 'vibebox' })]));

    await ecs.stopInstance(new StopInstanceRequest({ instanceId: id, stoppedMode: 'StopCharging' }));
    await emulator.cloud.waitForState(id, 'stopped');
    expect(await describe()).toMatchObject({ status: 'Stopped', stoppedMode: 'StopCharging' });
    await ecs.startInstance(new StartInstanceRequest({ instanceId: id }));
    await emulator.cloud.waitForState(id, 'running');
    await ecs.deleteInstance(new DeleteInstanceRequest({ instanceId: id, force: true }));
    expect(await describe()).toBeUndefined();

    const price = await ecs.describePrice(new DescribePriceRequest({ regionId: REGION, instanceType: 'ecs.c6.large', priceUnit: 'Month' }));
    expect(price.body?.priceInfo?.price).toMatchObject({ tradePrice: 226, currency: 'CNY' });
  });

  it('a wrong secret is refused with SignatureDoesNotMatch as the SDK error’s code', async () => {
    const err = (await sdkClient('wrong-secret')
      .describeInstances(new DescribeInstancesRequest({ regionId: REGION }))
      .catch((e: unknown) => e)) as { code?: string; statusCode?: number; requestId?: string; name?: string };
    expect(err).toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
    expect(err.requestId).toMatch(/^[0-9A-F-]{36}$/);
  });
});
