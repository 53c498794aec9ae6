/**
 * The ECS emulator on the wire: how it authenticates (each failure with ECS's own code and
 * status), its error envelope, legacy V2 signing, and the availability answer the adapter's
 * instance type choice relies on. Requests are hand-signed with providers/aliyun/signature.ts.
 */
import Ecs, { DescribeAvailableResourceRequest, DescribeRegionsRequest } from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { startAliyunEmulator } from '../../providers/aliyun/emulator';
import { sha256Hex, signAcs3 } from '../../providers/aliyun/signature';
import { EmulatorControlClient, EmulatorHandle, NoBacking } from '../../providers/emulation';

const creds = { accessKeyId: 'LTAI-wire-test', accessKeySecret: 'wire-test-secret' };
let emulator: EmulatorHandle;
let nonce = 0;

beforeAll(async () => {
  emulator = await startAliyunEmulator({ credentials: [creds], backing: new NoBacking() });
});
afterAll(() => emulator.close());

const ecsDate = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

interface RawCall {
  action?: string;
  query?: Record<string, string>;
  date?: Date;
  nonce?: string;
  secret?: string;
  accessKeyId?: string;
  drop?: string;
  body?: string;
  /** Changes a header after signing. */
  tamper?: Record<string, string>;
}

/** A V3 request signed by our own implementation, optionally broken in one way. */
async function rawCall(c: RawCall = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const query = c.query ?? { RegionId: 'cn-hangzhou' };
  const body = c.body ?? '';
  const headers: Record<string, string> = {
    host: `127.0.0.1:${emulator.port}`,
    'x-acs-action': c.action ?? 'DescribeRegions',
    'x-acs-version': '2014-05-26',
    'x-acs-date': ecsDate(c.date ?? new Date()),
    'x-acs-signature-nonce': c.nonce ?? `nonce-${process.pid}-${++nonce}`,
    'x-acs-content-sha256': sha256Hex(body),
  };
  if (c.drop) delete headers[c.drop];
  const signed = signAcs3({ method: 'POST', query, headers }, c.accessKeyId ?? creds.accessKeyId, c.secret ?? creds.accessKeySecret);
  const res = await fetch(`${emulator.url}/?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { ...headers, ...c.tamper, authorization: signed.authorization },
    body: body || undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe('authentication', () => {
  it('serves a correctly signed request', async () => {
    const res = await rawCall();
    expect(res.status).toBe(200);
    expect(res.body.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    expect((res.body.Regions as { Region: unknown[] }).Region.length).toBeGreaterThanOrEqual(2);
  });

  it.each<[string, RawCall, number, string]>([
    ['a wrong secret', { secret: 'nope' }, 400, 'SignatureDoesNotMatch'],
    ['an unknown AccessKeyId', { accessKeyId: 'LTAI-nobody' }, 404, 'InvalidAccessKeyId.NotFound'],
    ['a date 16 minutes old', { date: new Date(Date.now() - 16 * 60_000) }, 400, 'InvalidTimeStamp.Expired'],
    ['a date 16 minutes ahead', { date: new Date(Date.now() + 16 * 60_000) }, 400, 'InvalidTimeStamp.Expired'],
    ['no x-acs-date', { drop: 'x-acs-date' }, 400, 'MissingParameter'],
    ['no x-acs-signature-nonce', { drop: 'x-acs-signature-nonce' }, 400, 'MissingParameter'],
    ['a body that does not match x-acs-content-sha256', { tamper: { 'x-acs-content-sha256': sha256Hex('other') } }, 400, 'SignatureDoesNotMatch'],
    ['a header changed after signing', { tamper: { 'x-acs-action': 'DescribeInstances' } }, 400, 'SignatureDoesNotMatch'],
    ['an action ECS does not have', { action: 'LaunchRocket' }, 404, 'InvalidAction.NotFound'],
  ])('refuses %s with ECS’s error', async (_what, call, status, code) => {
    const res = await rawCall(call);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({
      RequestId: expect.stringMatching(/^[0-9A-F-]{36}$/),
      HostId: `127.0.0.1:${emulator.port}`,
      Code: code,
      Message: expect.any(String),
      Recommend: expect.stringContaining(code),
    });
  });

  it('accepts a date 14 minutes off', async () => {
    expect((await rawCall({ date: new Date(Date.now() - 14 * 60_000) })).status).toBe(200);
  });

  it('refuses a replayed nonce, but only once the signature was good', async () => {
    expect((await rawCall({ nonce: 'replayed', secret: 'nope' })).body.Code).toBe('SignatureDoesNotMatch');
    expect((await rawCall({ nonce: 'replayed' })).status).toBe(200);
    expect((await rawCall({ nonce: 'replayed' })).body.Code).toBe('SignatureNonceUsed');
  });

  it('refuses a request with no signature at all', async () => {
    const res = await fetch(`${emulator.url}/?RegionId=cn-hangzhou`, { method: 'POST', headers: { 'x-acs-action': 'DescribeRegions' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { Code: string }).Code).toBe('MissingParameter');
  });

  it('accepts the legacy V2 signature from the SDK (signatureAlgorithm v2), and refuses a wrong V2 secret', async () => {
    const client = (secret: string) =>
      new Ecs(new $OpenApiUtil.Config({ ...creds, accessKeySecret: secret, endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http', signatureAlgorithm: 'v2' }));
    const ok = await client(creds.accessKeySecret).describeRegions(new DescribeRegionsRequest({}));
    expect(ok.body?.regions?.region?.map((r) => r.regionId)).toContain('cn-hangzhou');
    const err = (await client('nope')
      .describeRegions(new DescribeRegionsRequest({}))
      .catch((e: unknown) => e)) as { code?: string };
    expect(err.code).toBe('SignatureDoesNotMatch');
  });
});

describe('faults and throttling on the wire', () => {
  const control = () => new EmulatorControlClient(emulator.url);
  afterEach(() => control().reset());

  it('throttles with Throttling.User and x-acs-retry-after in milliseconds (as the SDK reads it)', async () => {
    await control().setThrottle({ forced: true, retryAfterSeconds: 2 });
    const res = await rawCall();
    expect(res.status).toBe(400);
    expect(res.body.Code).toBe('Throttling.User');
    expect(res.headers.get('x-acs-retry-after')).toBe('2000');
  });

  it('an injected 5xx is ECS’s InternalError / ServiceUnavailable', async () => {
    await control().injectFault({ action: 'DescribeRegions', kind: 'http5xx', status: 503 });
    const res = await rawCall();
    expect(res.status).toBe(503);
    expect(res.body.Code).toBe('ServiceUnavailable');
  });

  it('an injected neutral error is rendered as ECS’s code', async () => {
    await control().injectFault({ action: 'DescribeRegions', kind: 'error', code: 'QuotaExceeded' });
    const res = await rawCall();
    expect(res.status).toBe(403);
    expect(res.body.Code).toBe('QuotaExceed.ElasticQuota');
  });
});

describe('DescribeAvailableResource', () => {
  it('reports a type SoldOut/WithoutStock in a zone with no stock, Available/WithStock elsewhere', async () => {
    const control = new EmulatorControlClient(emulator.url);
    await control.setStock('cn-shanghai', 'cn-shanghai-l', 'ecs.c6.large', 0);
    const ecs = new Ecs(new $OpenApiUtil.Config({ ...creds, endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http' }));
    const resp = await ecs.describeAvailableResource(
      new DescribeAvailableResourceRequest({ regionId: 'cn-shanghai', destinationResource: 'InstanceType', instanceType: 'ecs.c6.large' }),
    );
    const zones = resp.body?.availableZones?.availableZone ?? [];
    const byZone = Object.fromEntries(
      zones.map((z) => [z.zoneId, z.availableResources?.availableResource?.[0]?.supportedResources?.supportedResource?.[0]?.statusCategory]),
    );
    expect(byZone).toEqual({ 'cn-shanghai-l': 'WithoutStock', 'cn-shanghai-m': 'WithStock' });
    await control.reset();
  });
});
