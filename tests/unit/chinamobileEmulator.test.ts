/** The emulator's wire: both variants of every uncertain point are accepted, errors come in ECloud's envelope. */
import { EcloudClient } from '../../providers/chinamobile/client';
import { startChinaMobileEmulator } from '../../providers/chinamobile/emulator';
import { signRequest } from '../../providers/chinamobile/signature';
import { OPERATIONS, listItems, readInstance } from '../../providers/chinamobile/wire';
import { EmulatorControlClient, EmulatorHandle, NoBacking } from '../../providers/emulation';
import { ProviderError } from '../../providers/errors';

const KEY = { accessKeyId: 'emu-ak', accessKeySecret: 'emu-secret-Kk42' };
let emulator: EmulatorHandle;
let control: EmulatorControlClient;
let client: EcloudClient;
const region = 'CIDC-RP-25';

async function createBare(body: Record<string, unknown>): Promise<string> {
  await client.operation('CreateInstances', { region, body });
  const [inst] = emulator.cloud.list({ owner: KEY.accessKeyId });
  return inst.id;
}

async function rawCall(path: string, timestamp: Date, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const { queryString } = signRequest({ accessKey: KEY.accessKeyId, secretKey: KEY.accessKeySecret, method: 'POST', path, now: timestamp, timestampStyle: 'utc' });
  const res = await fetch(`${emulator.url}${path}?${queryString}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  emulator = await startChinaMobileEmulator({ credentials: [KEY], backing: new NoBacking(), delays: { create: 20, start: 20, stop: 20, reboot: 20, delete: 20 } });
  control = new EmulatorControlClient(emulator.url);
  client = new EcloudClient({ accessKeyId: KEY.accessKeyId, accessKeySecret: KEY.accessKeySecret, endpointFor: () => emulator.url });
});
afterAll(() => emulator.close());
beforeEach(() => control.reset());

describe('ChinaMobile emulator wire', () => {
  it('accepts the v4 create field names (flavorName, instanceName, zoneId, chargeMode) and answers with an order id only', async () => {
    const res = await client.operation('CreateInstances', {
      region,
      body: { flavorName: 's6.large.2', instanceName: 'v4-style-box', imageId: 'Ubuntu 22.04 64位', zoneId: 'wuxi-az2', chargeMode: 'HOUR', password: 'Pw-123456-abc', quantity: 1 },
    });
    expect(Object.keys(res.body as object)).toEqual(['orderId']);
    const [inst] = emulator.cloud.list();
    expect(inst).toMatchObject({ name: 'v4-style-box', zone: 'wuxi-az2', instanceType: 's6.large.2', tags: { 'vibebox:emulated': 'chinamobile' } });
  });

  it('hides a new instance from listings until its order is fulfilled', async () => {
    await client.operation('CreateInstances', { region, body: { specsName: 's6.large.2', name: 'order-box', imageName: 'x', password: 'Pw-123456-abc' } });
    const list = async () => listItems((await client.operation('DescribeInstances', { region, body: { page: 1, pageSize: 10 } })).body);
    expect(await list()).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(await list()).toHaveLength(1);
  });

  it('accepts batch bodies wrapped ({batchStartInstancesBody: …}) and bare ({instanceIds})', async () => {
    const id = await createBare({ specsName: 's6.medium.2', name: 'wrap-box', imageName: 'x', password: 'Pw-123456-abc' });
    await emulator.cloud.waitForState(id, 'running', 2000);
    const bare = await client.call('POST', OPERATIONS.BatchStopInstances.path, { region, body: { instanceIds: [id] } });
    expect(bare.body).toEqual({ instanceBatchResult: [{ instanceId: id, result: true, message: 'success' }] });
    await emulator.cloud.waitForState(id, 'stopped', 2000);
    const wrapped = await client.call('POST', OPERATIONS.BatchStartInstances.path, { region, body: { batchStartInstancesBody: { instanceIds: [id, 'nope'] } } });
    expect(wrapped.body).toEqual({
      instanceBatchResult: [
        { instanceId: id, result: true, message: 'success' },
        { instanceId: 'nope', result: false, message: 'instance nope does not exist' },
      ],
    });
  });

  it('filters describe-instances by id, name and tags, and pages', async () => {
    for (const n of ['box-aa', 'box-bb', 'box-cc']) {
      await client.operation('CreateInstances', { region, body: { specsName: 's6.medium.2', name: n, imageName: 'x', password: 'Pw-123456-abc', tags: [{ key: 'team', value: n === 'box-bb' ? 'b' : 'a' }] } });
    }
    await new Promise((r) => setTimeout(r, 400));
    const describe = async (body: Record<string, unknown>) => (await client.operation('DescribeInstances', { region, body })).body as { content: unknown[]; total: number };
    expect((await describe({ instanceName: 'box-bb' })).content.map(readInstance)).toMatchObject([{ instanceName: 'box-bb' }]);
    expect((await describe({ tags: [{ key: 'team', value: 'a' }] })).total).toBe(2);
    expect((await describe({ tags: { team: 'b' } })).total).toBe(1);
    const page2 = await describe({ page: 2, pageSize: 2 });
    expect(page2).toMatchObject({ total: 3 });
    expect(page2.content).toHaveLength(1);
    const id = readInstance(page2.content[0])!.instanceId;
    expect((await describe({ instanceId: id })).content).toHaveLength(1);
  });

  it('accepts the OpenAPI region id in Region-Id as well as the pool id, and refuses an unknown one', async () => {
    expect(listItems((await client.operation('DescribeZones', { region: 'cn-jiangsu-1' })).body)).toHaveLength(2);
    const err = await client.operation('DescribeZones', { region: 'mars-1' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'InvalidRequest', code: 'INVALID_PARAMETER' });
  });

  it('answers a stale Timestamp with FORBIDDEN/REQUEST_EXPIRED and a fresh UTC one normally', async () => {
    const path = OPERATIONS.DescribeInstances.path;
    const stale = await rawCall(path, new Date(Date.now() - 30 * 60_000), {});
    expect(stale.status).toBe(403);
    expect(stale.json).toMatchObject({ state: 'FORBIDDEN', errorCode: 'REQUEST_EXPIRED', body: null });
    expect(stale.json.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await rawCall(path, new Date(), {})).json).toMatchObject({ state: 'OK', body: { content: [], total: 0 } });
  });

  it('reports missing and malformed input as MISSING_PARAMETER / INVALID_PARAMETER', async () => {
    const missing = await client.operation('CreateInstances', { region, body: { name: 'no-spec-box', imageName: 'x', password: 'Pw-123456-abc' } }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: 'InvalidRequest', code: 'MISSING_PARAMETER' });
    const badName = await client.operation('CreateInstances', { region, body: { specsName: 's6.large.2', name: '-x', imageName: 'x', password: 'Pw-123456-abc' } }).catch((e: unknown) => e);
    expect(badName).toMatchObject({ kind: 'InvalidRequest', code: 'INVALID_PARAMETER' });
    const res = await fetch(`${emulator.url}${OPERATIONS.DescribeInstances.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(await res.json()).toMatchObject({ state: 'ERROR', errorCode: 'INVALID_PARAMETER' });
  });

  it('maps injected neutral errors to ECloud codes in the envelope', async () => {
    await control.injectFault({ action: 'DescribeRegions', kind: 'error', code: 'IncorrectState' });
    const err = (await client.operation('DescribeRegions', { region }).catch((e: unknown) => e)) as ProviderError;
    expect(err).toMatchObject({ kind: 'InvalidState', code: 'INSTANCE_STATUS_NOT_SUPPORT' });
  });
});
