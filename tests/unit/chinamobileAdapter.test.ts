import { ChinaMobileProvider } from '../../providers/chinamobile/adapter';
import { startChinaMobileEmulator } from '../../providers/chinamobile/emulator';
import { ProviderCallRecord } from '../../providers/baseProvider';
import { EmulatorControlClient, EmulatorHandle, NoBacking } from '../../providers/emulation';
import { ProviderError } from '../../providers/errors';
import { configFromEnv } from '../../providers/settings';
import { ResourceSpec, ResourceStatus } from '../../providers/types';

const KEY = { accessKeyId: 'unit-ak', accessKeySecret: 'unit-secret-Zq81x' };
const OTHER = { accessKeyId: 'other-ak', accessKeySecret: 'other-secret-Pp02' };
const FAST = { create: 40, start: 30, stop: 30, reboot: 30, delete: 30 };
const WAIT = { timeoutMs: 5_000, initialIntervalMs: 20, maxIntervalMs: 100 };

let emulator: EmulatorHandle;
let control: EmulatorControlClient;
let provider: ChinaMobileProvider;
let calls: ProviderCallRecord[];

async function providerFor(key = KEY, extraEnv: Record<string, string> = {}): Promise<ChinaMobileProvider> {
  const p = new ChinaMobileProvider();
  await p.initialize(configFromEnv('chinamobile', { ...emulator.providerEnv(key), ...extraEnv }));
  return p;
}

async function expectError(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

const spec = (over: Partial<ResourceSpec> = {}): ResourceSpec => ({
  cpu: 2,
  memory: 4,
  disk: 40,
  tags: { project: 'vibebox', vibeboxId: 'vb-1', userId: 'u-1' },
  ...over,
});

beforeAll(async () => {
  emulator = await startChinaMobileEmulator({ credentials: [KEY, OTHER], backing: new NoBacking(), delays: FAST });
  control = new EmulatorControlClient(emulator.url);
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await control.reset();
  await control.setDelays(FAST);
  provider = await providerFor(KEY, { CHINAMOBILE_OPTION_ORDER_RESOLVE_TIMEOUT_MS: '3000' });
  calls = [];
  provider.observeCalls((r) => calls.push(r));
});

describe('ChinaMobileProvider: choosing a spec', () => {
  it('creates on the cheapest available spec that meets cpu and memory', async () => {
    expect((await provider.createResource(spec())).metadata.specsName).toBe('s6.large.2');
    // 4C8G: the compute family's c6.xlarge.2 lists cheaper than s6.xlarge.2
    expect((await provider.createResource(spec({ cpu: 3, memory: 6 }))).metadata.specsName).toBe('c6.xlarge.2');
  });

  it('skips a sold-out spec, because the specs query offers only what has stock', async () => {
    for (const zone of ['wuxi-az1', 'wuxi-az2']) await control.setStock('CIDC-RP-25', zone, 's6.large.2', 0);
    expect((await provider.createResource(spec())).metadata.specsName).toBe('s6.large.4');
  });

  it('falls back to the catalog when the specs query fails', async () => {
    await control.injectFault({ action: 'DescribeFlavors', kind: 'http5xx', status: 503, times: 'forever' });
    const info = await provider.createResource(spec());
    expect(info.metadata.specsName).toBe('s6.large.2');
    expect(calls.find((c) => c.action === 'createResource:DescribeFlavors')).toMatchObject({ outcome: 'error', errorKind: 'Transient' });
  });

  it('uses spec.instanceType as given, without asking', async () => {
    const info = await provider.createResource(spec({ instanceType: 's6.2xlarge.4' }));
    expect(info.metadata).toMatchObject({ specsName: 's6.2xlarge.4', cpu: 8, memoryGiB: 32 });
    expect(calls.some((c) => c.action.endsWith('DescribeFlavors'))).toBe(false);
  });

  it('no spec big enough is InsufficientStock', async () => {
    const err = await expectError(provider.createResource(spec({ cpu: 64, memory: 512 })));
    expect(err).toMatchObject({ kind: 'InsufficientStock', code: 'NoFittingSpec' });
  });
});

describe('ChinaMobileProvider: create is an order', () => {
  it('resolves the order id to the instance by its reference tag, and returns the password', async () => {
    await control.setDelays({ create: 5_000 }); // still building when the order resolves
    const info = await provider.createResource(spec({ clientToken: 'wf-1/cand-0', password: 'Given-Pass-123' }));
    const [listed] = await control.listInstances();
    expect(info.id).toBe(listed.id);
    expect(info.sshPassword).toBe('Given-Pass-123');
    expect(info).toMatchObject({ sshUser: 'root', sshPort: 22, status: ResourceStatus.CREATING });
    expect(info.metadata.orderId).toMatch(/^[0-9a-f]{24}$/);
    expect(info.metadata).toMatchObject({ region: 'CIDC-RP-25', zone: 'wuxi-az1', imageName: 'Ubuntu 22.04 64位', ecStatus: 'build', opStatus: 'CREATING' });
    expect(info.metadata.tags).toMatchObject({ project: 'vibebox', vibeboxId: 'vb-1', userId: 'u-1', 'vibebox:emulated': 'chinamobile' });
    // one lookup before creating, then polls until the order's instance was listed
    expect(calls.filter((c) => c.action === 'createResource:DescribeInstances').length).toBeGreaterThanOrEqual(3);
  });

  it('generates a strong password when none is given', async () => {
    const info = await provider.createResource(spec());
    expect(info.sshPassword).toMatch(/^.{20}$/);
    expect(emulator.cloud.passwordOf(info.id)).toBe(info.sshPassword);
  });

  it('an order that never shows up is Transient OrderNotResolved (the instance is found on retry)', async () => {
    const slow = await providerFor(KEY, { CHINAMOBILE_OPTION_ORDER_RESOLVE_TIMEOUT_MS: '600' });
    await control.injectFault({ action: 'DescribeInstances', kind: 'http5xx', times: 'forever' });
    const err = await expectError(slow.createResource(spec({ name: 'vb-lost-order' })));
    expect(err).toMatchObject({ kind: 'Transient', code: 'OrderNotResolved' });
    expect(await control.listInstances()).toHaveLength(1);
  });

  it('the same client token twice gives one instance: found by tag before creating', async () => {
    const s = spec({ clientToken: 'wf-2/cand-0', password: 'Same-Pass-456' });
    const first = await provider.createResource(s);
    calls = [];
    const second = await provider.createResource(s);
    expect(second.id).toBe(first.id);
    expect(second.sshPassword).toBe('Same-Pass-456');
    expect(await control.listInstances()).toHaveLength(1);
    expect(calls.map((c) => c.action)).not.toContain('createResource:CreateInstances');
  });

  it('a deleted box does not satisfy its token again; another key never sees it', async () => {
    const s = spec({ clientToken: 'wf-3/cand-0' });
    const first = await provider.createResource(s);
    const other = await providerFor(OTHER);
    await expectError(other.getResourceInfo(first.id)).then((e) => expect(e.kind).toBe('NotFound'));
    await provider.deleteResource(first.id, { force: true });
    await provider.waitForStatus(first.id, ResourceStatus.DELETED, WAIT);
    expect((await provider.createResource(s)).id).not.toBe(first.id);
  });

  it('a box in another region gets a region-prefixed id that every call understands', async () => {
    const info = await provider.createResource(spec({ region: 'CIDC-RP-29' }));
    expect(info.id).toMatch(/^CIDC-RP-29\/[0-9a-f-]{36}$/);
    const running = await provider.waitForStatus(info.id, ResourceStatus.RUNNING, WAIT);
    expect(running?.metadata).toMatchObject({ region: 'CIDC-RP-29', zone: 'beijing3-az1' });
    await provider.deleteResource(info.id);
    expect(await provider.waitForStatus(info.id, ResourceStatus.DELETED, WAIT)).toBeUndefined();
  });
});

describe('ChinaMobileProvider: lifecycle and status mapping', () => {
  it('maps ecStatus/opStatus through a whole lifecycle, with addresses once the instance exists', async () => {
    const { id } = await provider.createResource(spec());
    const running = await provider.waitForStatus(id, ResourceStatus.RUNNING, WAIT);
    expect(running).toMatchObject({ metadata: { ecStatus: 'active', opStatus: 'OK' } });
    expect(running?.ipAddress).toMatch(/^(198\.51\.100|203\.0\.113|192\.0\.2)\./);
    expect(running?.privateIp).toMatch(/^10\./);

    await provider.startResource(id); // already running is success
    await control.setStuck('stop', true);
    await provider.stopResource(id);
    expect(await provider.getResourceInfo(id)).toMatchObject({ status: ResourceStatus.STOPPING, metadata: { opStatus: 'STOPING' } });
    await provider.stopResource(id, { force: true }); // a stop under way is success
    await control.setStuck('stop', false);
    expect((await provider.waitForStatus(id, ResourceStatus.STOPPED, WAIT))?.metadata).toMatchObject({ ecStatus: 'shutoff' });

    const err = await expectError(provider.restartResource(id));
    expect(err).toMatchObject({ kind: 'InvalidState', code: 'BatchRefused' });
    await provider.deleteResource(id);
    await provider.waitForStatus(id, ResourceStatus.DELETED, WAIT);
    await provider.deleteResource(id); // gone is success
    expect(await expectError(provider.startResource(id))).toMatchObject({ kind: 'NotFound' });
  });
});

describe('ChinaMobileProvider: errors', () => {
  it('keeps the cloud code and request id (NoStock → InsufficientStock), also in the audit record', async () => {
    await control.injectFault({ action: 'CreateInstances', kind: 'error', code: 'NoStock' });
    const err = await expectError(provider.createResource(spec()));
    expect(err).toMatchObject({ kind: 'InsufficientStock', code: 'STOCK_NOT_ENOUGH', httpStatus: 200 });
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls.find((c) => c.action === 'createResource:CreateInstances')).toMatchObject({
      outcome: 'error',
      errorKind: 'InsufficientStock',
      errorCode: 'STOCK_NOT_ENOUGH',
      providerRequestId: err.requestId,
    });
  });

  it('maps quota, throttling (HTTP 429 + Retry-After) and 5xx', async () => {
    await control.setQuota(0);
    expect(await expectError(provider.createResource(spec()))).toMatchObject({ kind: 'InsufficientStock', code: 'QUOTA_EXCEEDED' });
    await control.injectFault({ action: 'DescribeInstances', kind: 'throttle', retryAfterSeconds: 3 });
    expect(await expectError(provider.getResourceInfo('x'))).toMatchObject({ kind: 'Throttled', httpStatus: 429, retryAfterSeconds: 3, code: 'REQUEST_LIMIT_EXCEEDED' });
    await control.injectFault({ action: 'DescribeInstances', kind: 'http5xx', status: 502 });
    expect(await expectError(provider.getResourceInfo('x'))).toMatchObject({ kind: 'Transient', httpStatus: 502, code: 'INTERNAL_ERROR' });
  });

  it('a successful call records the cloud request id', async () => {
    expect(await provider.healthCheck()).toBe(true);
    expect(calls.find((c) => c.action === 'healthCheck:DescribeRegions')?.providerRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a wrong secret and an unknown key as AuthFailed, and no secret reaches the logs', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const wrong = await providerFor({ ...KEY, accessKeySecret: 'wrong-secret-Yy77' });
      expect(await expectError(wrong.getResourceInfo('x'))).toMatchObject({ kind: 'AuthFailed', code: 'SIGNATURE_NOT_MATCH', httpStatus: 403 });
      const unknown = await providerFor({ accessKeyId: 'nobody', accessKeySecret: 'nobody-secret-Qq55' });
      expect(await expectError(unknown.getResourceInfo('x'))).toMatchObject({ kind: 'AuthFailed', code: 'INVALID_ACCESSKEY' });
      await provider.createResource(spec({ password: 'Box-Secret-Pass-9' }));
    } finally {
      spy.mockRestore();
    }
    const out = lines.join('');
    expect(out).toContain('SIGNATURE_NOT_MATCH');
    for (const s of [KEY.accessKeySecret, 'wrong-secret-Yy77', 'nobody-secret-Qq55', 'Box-Secret-Pass-9']) expect(out).not.toContain(s);
  });

  it('a hung call times out as Transient; an unreachable endpoint is Transient', async () => {
    const impatient = await providerFor(KEY, { CHINAMOBILE_OPTION_REQUEST_TIMEOUT_MS: '300' });
    await control.injectFault({ action: 'DescribeInstances', kind: 'hang' });
    expect(await expectError(impatient.getResourceInfo('x'))).toMatchObject({ kind: 'Transient', code: 'RequestTimeout' });
    const nowhere = await providerFor(KEY, { CHINAMOBILE_ENDPOINT: 'http://127.0.0.1:9' });
    expect(await expectError(nowhere.getResourceInfo('x'))).toMatchObject({ kind: 'Transient' });
    expect(await nowhere.healthCheck()).toBe(false);
  });
});
