import http from 'node:http';
import net from 'node:net';
import Ecs, { DescribeInstancesRequest, DescribeInstancesRequestTag } from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import {
  acs3CanonicalRequest,
  canonicalQueryString,
  parseAcs3Authorization,
  percentEncode,
  rpcV2Signature,
  sha256Hex,
  signAcs3,
  verifyAcs3,
  verifyRpcV2,
} from '../../providers/aliyun/signature';

/**
 * Alibaba Cloud's worked V3 example ("V3版本请求体&签名机制", help.aliyun.com/zh/sdk/product-overview/
 * v3-request-structure-and-signature): RunInstances with fixed key, date and nonce.
 */
const OFFICIAL_V3 = {
  request: {
    method: 'POST',
    path: '/',
    query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
    headers: {
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    },
  },
  hashedCanonicalRequest: '7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
  authorization:
    'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
};

describe('ACS3-HMAC-SHA256 (V3)', () => {
  it('reproduces Alibaba Cloud’s published example signature', () => {
    const signed = signAcs3(OFFICIAL_V3.request, 'YourAccessKeyId', 'YourAccessKeySecret');
    expect(sha256Hex(signed.canonicalRequest)).toBe(OFFICIAL_V3.hashedCanonicalRequest);
    expect(signed.authorization).toBe(OFFICIAL_V3.authorization);
  });

  it('verifies the published example with the right secret and refuses a wrong one', () => {
    const auth = parseAcs3Authorization(OFFICIAL_V3.authorization)!;
    expect(auth).toMatchObject({ accessKeyId: 'YourAccessKeyId', signedHeaders: expect.arrayContaining(['host', 'x-acs-date']) });
    expect(verifyAcs3(OFFICIAL_V3.request, auth, 'YourAccessKeySecret')).toBe(true);
    expect(verifyAcs3(OFFICIAL_V3.request, auth, 'NotTheSecret')).toBe(false);
    // Any signed part changed in transit breaks it too.
    const tampered = { ...OFFICIAL_V3.request, query: { ...OFFICIAL_V3.request.query, RegionId: 'cn-beijing' } };
    expect(verifyAcs3(tampered, auth, 'YourAccessKeySecret')).toBe(false);
  });

  it('encodes the query as RFC 3986 with sorted keys, including the characters encodeURIComponent leaves alone', () => {
    expect(percentEncode("a b*c'(d)!~-_.")).toBe('a%20b%2Ac%27%28d%29%21~-_.');
    expect(canonicalQueryString({ b: '2', a: '1 2', 'Tag.1.Key': 'k/v' })).toBe('Tag.1.Key=k%2Fv&a=1%202&b=2');
    expect(acs3CanonicalRequest({ method: 'post', query: {}, headers: { Host: 'h', 'X-Acs-Date': ' d ' } }, ['host', 'x-acs-date'])).toBe(
      `POST\n/\n\nhost:h\nx-acs-date:d\n\nhost;x-acs-date\n${sha256Hex('')}`,
    );
  });

  it('rejects Authorization headers that are not ACS3', () => {
    expect(parseAcs3Authorization('ACS3-HMAC-SM3 Credential=a,SignedHeaders=host,Signature=x')).toBeUndefined();
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=a,Signature=x')).toBeUndefined();
    expect(parseAcs3Authorization(undefined)).toBeUndefined();
  });
});

describe('V2 (HMAC-SHA1) legacy RPC signature', () => {
  /** The ECS API reference's classic example (DescribeRegions, testid/testsecret; the doc spells it `TimeStamp`). */
  const params = {
    Action: 'DescribeRegions',
    Format: 'XML',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    Version: '2014-05-26',
    AccessKeyId: 'testid',
    SignatureMethod: 'HMAC-SHA1',
    TimeStamp: '2016-02-23T12:46:24Z',
    SignatureVersion: '1.0',
  };

  it('reproduces the published example and refuses a wrong secret', () => {
    expect(rpcV2Signature('GET', params, 'testsecret')).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
    const signed = { ...params, Signature: 'CT9X0VtwR86fNWSnsc6v8YGOjuE=' };
    expect(verifyRpcV2('GET', signed, 'testsecret')).toBe(true);
    expect(verifyRpcV2('GET', signed, 'wrongsecret')).toBe(false);
  });
});

/** What the official SDK puts on the wire, captured by a local server that answers like ECS. */
interface Captured {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

async function captureSdkRequest(config: Partial<$OpenApiUtil.Config>, send: (c: Ecs) => Promise<unknown>): Promise<Captured> {
  let captured: Captured | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ RequestId: 'CAPTURED', Instances: { Instance: [] } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const client = new Ecs(
      new $OpenApiUtil.Config({ accessKeyId: 'AKID-SDK', accessKeySecret: 'sdk-secret', endpoint: `127.0.0.1:${port}`, protocol: 'http', regionId: 'cn-hangzhou', ...config }),
    );
    await send(client);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return captured!;
}

const awkwardRequest = () =>
  new DescribeInstancesRequest({
    regionId: 'cn-hangzhou',
    instanceIds: JSON.stringify(['i-a', 'i-b']),
    tag: [new DescribeInstancesRequestTag({ key: "owner (team)*", value: "it's 100% ~ok! 中文 a+b" })],
  });

describe('against the official SDK’s own requests', () => {
  it('a V3 request from @alicloud/ecs20140526 verifies with our independent implementation', async () => {
    const req = await captureSdkRequest({}, (c) => c.describeInstances(awkwardRequest()));
    expect(req.method).toBe('POST');
    expect(req.headers['x-acs-action']).toBe('DescribeInstances');
    const query = Object.fromEntries(new URL(req.url, 'http://x').searchParams);
    expect(query['Tag.1.Key']).toBe('owner (team)*');
    const auth = parseAcs3Authorization(req.headers.authorization)!;
    expect(auth.accessKeyId).toBe('AKID-SDK');
    const signable = { method: req.method, query, headers: req.headers, payloadHash: sha256Hex(req.body) };
    expect(verifyAcs3(signable, auth, 'sdk-secret')).toBe(true);
    expect(verifyAcs3(signable, auth, 'not-the-secret')).toBe(false);
  });

  it('a V2 request from the SDK (signatureAlgorithm v2) verifies too', async () => {
    const req = await captureSdkRequest({ signatureAlgorithm: 'v2' }, (c) => c.describeInstances(awkwardRequest()));
    const params = Object.fromEntries(new URL(req.url, 'http://x').searchParams);
    expect(params).toMatchObject({ Action: 'DescribeInstances', SignatureMethod: 'HMAC-SHA1', AccessKeyId: 'AKID-SDK' });
    expect(verifyRpcV2(req.method, params, 'sdk-secret')).toBe(true);
    expect(verifyRpcV2(req.method, params, 'not-the-secret')).toBe(false);
  });
});
