/**
 * The emulators' gates, on the raw wire (the security issue's findings): what each signature
 * must cover, replays refused inside the time window, the Host header accepted as the real
 * endpoint receives it (with or without a port), and answers in the cloud's exact content type.
 */
import { startChinaMobileEmulator } from '../../providers/chinamobile/emulator';
import { signRequest } from '../../providers/chinamobile/signature';
import { OPERATIONS } from '../../providers/chinamobile/wire';
import { EmulatorHandle, NoBacking } from '../../providers/emulation';
import { startTencentEmulator } from '../../providers/tencent/emulator';
import { SAME_SECOND_GRACE_MS } from '../../providers/tencent/emulator/auth';
import { authorizationHeader } from '../../providers/tencent/signature';
import { startAliyunEmulator } from '../../providers/aliyun/emulator';

const KEY = { accessKeyId: 'AKIDauthTest', accessKeySecret: 'auth-Secret-Key-1' };
const FAST = { create: 20, start: 20, stop: 20, reboot: 20, delete: 20 };

interface Answer {
  status: number;
  contentType: string | null;
  json: any;
}

async function answer(res: Response): Promise<Answer> {
  return { status: res.status, contentType: res.headers.get('content-type'), json: await res.json() };
}

describe('Tencent CVM emulator', () => {
  let emu: EmulatorHandle;
  const port = () => new URL(emu.url).port;
  beforeAll(async () => {
    emu = await startTencentEmulator({ credentials: [KEY], backing: new NoBacking(), delays: FAST });
  });
  afterAll(() => emu.close());

  /** A request signed as an SDK signs it; `signedHost` is the Host value put into the signature. */
  function signed(action: string, body: object, opts: { timestamp?: number; signedHost?: string } = {}) {
    const payload = JSON.stringify(body);
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const hostHeader = `127.0.0.1:${port()}`;
    const authorization = authorizationHeader(KEY.accessKeyId, KEY.accessKeySecret, {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: opts.signedHost ?? hostHeader },
      signedHeaders: ['content-type', 'host'],
      payload,
      timestamp,
      service: 'cvm',
    });
    return {
      payload,
      headers: {
        authorization,
        'content-type': 'application/json',
        'x-tc-action': action,
        'x-tc-version': '2017-03-12',
        'x-tc-region': 'ap-guangzhou',
        'x-tc-timestamp': String(timestamp),
      } as Record<string, string>,
    };
  }

  const send = async (req: { payload: string; headers: Record<string, string> }, action?: string) =>
    answer(await fetch(emu.url, { method: 'POST', headers: { ...req.headers, ...(action ? { 'x-tc-action': action } : {}) }, body: req.payload }));

  async function runningInstance(): Promise<string> {
    const run = await send(signed('RunInstances', { Placement: { Zone: 'ap-guangzhou-3' }, InstanceType: 'S5.MEDIUM4', ImageId: 'img-487zeit5', LoginSettings: { Password: 'Pw-123456-abc' } }));
    const [id] = run.json.Response.InstanceIdSet;
    await emu.cloud.waitForState(id, 'running');
    return id;
  }

  /** Past the moment in which a second honest call signed in the same second could still arrive. */
  const afterGrace = () => new Promise((r) => setTimeout(r, SAME_SECOND_GRACE_MS + 200));

  it('refuses a captured request replayed as another action (StopInstances → TerminateInstances), and the instance lives on', async () => {
    const id = await runningInstance();
    const stop = signed('StopInstances', { InstanceIds: [id] });
    expect((await send(stop)).json.Response.Error).toBeUndefined();
    await afterGrace();
    const replayed = await send(stop, 'TerminateInstances');
    expect(replayed.json.Response.Error).toMatchObject({ Code: 'AuthFailure.SignatureFailure', Message: expect.stringMatching(/already used/) });
    await emu.cloud.waitForState(id, 'stopped');
    expect(emu.cloud.get(id).state).toBe('stopped');
  });

  it('refuses the same request replayed', async () => {
    const id = await runningInstance();
    const stop = signed('StopInstances', { InstanceIds: [id] });
    expect((await send(stop)).json.Response.Error).toBeUndefined();
    await emu.cloud.waitForState(id, 'stopped');
    await afterGrace();
    expect((await send(stop)).json.Response.Error).toMatchObject({ Code: 'AuthFailure.SignatureFailure' });
  });

  it('accepts two honest calls with one body signed in the same second (the SDKs sign no action and no nonce), whatever the client clock says', async () => {
    const id = await runningInstance();
    const now = Math.floor(Date.now() / 1000) - 60; // a client clock a minute behind: still within the skew
    const describe = signed('DescribeInstances', { InstanceIds: [id] }, { timestamp: now });
    const stop = signed('StopInstances', { InstanceIds: [id] }, { timestamp: now });
    expect(stop.headers.authorization).toBe(describe.headers.authorization); // same signature, as the SDKs make it
    expect((await send(describe)).json.Response.TotalCount).toBe(1);
    expect((await send(stop)).json.Response.Error).toBeUndefined();
  });

  it('accepts a signature over the Host header with its port (Python SDK) and without it (Node SDK)', async () => {
    const withPort = await send(signed('DescribeRegions', {}, { signedHost: `127.0.0.1:${port()}` }));
    expect(withPort.json.Response.Error).toBeUndefined();
    expect(withPort.json.Response.RegionSet.length).toBeGreaterThan(0);
    const bare = await send(signed('DescribeRegions', {}, { signedHost: '127.0.0.1' }));
    expect(bare.json.Response.Error).toBeUndefined();
    const wrongHost = await send(signed('DescribeRegions', {}, { signedHost: 'cvm.tencentcloudapi.com' }));
    expect(wrongHost.json.Response.Error).toMatchObject({ Code: 'AuthFailure.SignatureFailure' });
  });

  it('answers `Content-Type: application/json` exactly, errors included', async () => {
    const ok = await send(signed('DescribeRegions', {}));
    expect(ok.contentType).toBe('application/json');
    const refused = await send(signed('DescribeRegions', {}, { signedHost: 'elsewhere' }));
    expect(refused).toMatchObject({ status: 200, contentType: 'application/json', json: { Response: { Error: { Code: 'AuthFailure.SignatureFailure' } } } });
  });
});

describe('ECloud emulator', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startChinaMobileEmulator({ credentials: [KEY], backing: new NoBacking(), delays: FAST });
  });
  afterAll(() => emu.close());

  const { path } = OPERATIONS.DescribeInstances;
  async function call(queryString: string, body: object, region = 'CIDC-RP-25'): Promise<Answer> {
    return answer(await fetch(`${emu.url}${path}?${queryString}`, { method: 'POST', headers: { 'content-type': 'application/json', 'Region-Id': region }, body: JSON.stringify(body) }));
  }

  it('refuses a reused SignatureNonce, with another body or region too', async () => {
    const { queryString } = signRequest({ accessKey: KEY.accessKeyId, secretKey: KEY.accessKeySecret, method: 'POST', path, timestampStyle: 'beijing-local', nonce: 'fixed-nonce-1' });
    expect(await call(queryString, { page: 1, pageSize: 10 })).toMatchObject({ status: 200, json: { state: 'OK' } });
    const again = await call(queryString, { page: 1, pageSize: 10 });
    expect(again).toMatchObject({ status: 403, json: { state: 'FORBIDDEN', errorCode: 'SIGNATURE_NONCE_USED', body: null } });
    expect(await call(queryString, { page: 2, pageSize: 1 }, 'CIDC-RP-29')).toMatchObject({ status: 403, json: { errorCode: 'SIGNATURE_NONCE_USED' } });
  });

  it('takes a fresh nonce for each call', async () => {
    for (let i = 0; i < 2; i++) {
      const { queryString } = signRequest({ accessKey: KEY.accessKeyId, secretKey: KEY.accessKeySecret, method: 'POST', path, timestampStyle: 'beijing-local' });
      expect((await call(queryString, { page: 1, pageSize: 10 })).json.state).toBe('OK');
    }
  });
});

describe('Aliyun ECS emulator', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startAliyunEmulator({ credentials: [KEY], backing: new NoBacking(), delays: FAST });
  });
  afterAll(() => emu.close());

  it("answers errors in ECS's envelope and content type", async () => {
    const res = await answer(await fetch(`${emu.url}/?Action=DescribeRegions`, { method: 'POST' }));
    expect(res).toMatchObject({ status: 400, contentType: 'application/json;charset=utf-8', json: { Code: 'MissingParameter' } });
    expect(Object.keys(res.json)).toEqual(['RequestId', 'HostId', 'Code', 'Message', 'Recommend']);
  });
});
