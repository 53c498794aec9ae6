/**
 * TC3-HMAC-SHA256, checked three ways: against the worked example in Tencent's API 3.0
 * signature documentation, against tampering/wrong keys, and against what the real SDK sends.
 */
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { cvm } from 'tencentcloud-sdk-nodejs-cvm';
import { cvmHttpProfile } from '../../providers/tencent/endpoint';
import {
  IncomingTc3Request,
  authorizationHeader,
  canonicalRequest,
  parseAuthorization,
  stringToSign,
  tc3Signature,
  verifyTc3Request,
} from '../../providers/tencent/signature';

// The worked example of Tencent's "签名方法 v3" page (e.g. cloud.tencent.com/document/product/215/36792;
// every product's copy is the same): DescribeInstances in ap-guangzhou at 1551113065, with the
// page's example keys. Newer copies mask the SecretId; it is not part of the signature.
const DOC = {
  secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
  secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
  timestamp: 1551113065,
  payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
  contentType: 'application/json; charset=utf-8',
  hashedPayload: '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
  hashedCanonicalRequest: '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
  signature: '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
};

const docRequest = {
  method: 'POST',
  headers: { 'content-type': DOC.contentType, host: 'cvm.tencentcloudapi.com' },
  signedHeaders: ['content-type', 'host'],
  payload: DOC.payload,
  timestamp: DOC.timestamp,
  service: 'cvm',
};

function docIncoming(overrides: Partial<IncomingTc3Request> = {}, secretKey = DOC.secretKey): IncomingTc3Request {
  return {
    method: 'POST',
    headers: {
      authorization: authorizationHeader(DOC.secretId, secretKey, docRequest),
      'content-type': DOC.contentType,
      host: 'cvm.tencentcloudapi.com',
      'x-tc-timestamp': String(DOC.timestamp),
    },
    body: Buffer.from(DOC.payload),
    ...overrides,
  };
}

const secretOf = (id: string) => (id === DOC.secretId ? DOC.secretKey : undefined);

describe('TC3-HMAC-SHA256: the documented example', () => {
  it('reproduces every intermediate value and the signature', () => {
    expect(createHash('sha256').update(DOC.payload).digest('hex')).toBe(DOC.hashedPayload);
    expect(canonicalRequest(docRequest)).toBe(
      `POST\n/\n\ncontent-type:${DOC.contentType}\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n${DOC.hashedPayload}`,
    );
    expect(stringToSign(docRequest)).toBe(`TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n${DOC.hashedCanonicalRequest}`);
    expect(tc3Signature(DOC.secretKey, docRequest)).toBe(DOC.signature);
    expect(authorizationHeader(DOC.secretId, DOC.secretKey, docRequest)).toBe(
      `TC3-HMAC-SHA256 Credential=${DOC.secretId}/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=${DOC.signature}`,
    );
  });

  it('parses the Authorization header back', () => {
    expect(parseAuthorization(authorizationHeader(DOC.secretId, DOC.secretKey, docRequest))).toEqual({
      secretId: DOC.secretId,
      date: '2019-02-25',
      service: 'cvm',
      signedHeaders: ['content-type', 'host'],
      signature: DOC.signature,
    });
    expect(parseAuthorization('HMAC-SHA256 whatever')).toBeUndefined();
    expect(parseAuthorization(undefined)).toBeUndefined();
  });

  it('verifies the example request at its own time, whatever port the Host carries', () => {
    expect(verifyTc3Request(docIncoming(), secretOf, DOC.timestamp)).toMatchObject({ ok: true, secretId: DOC.secretId });
    const withPort = docIncoming();
    expect(verifyTc3Request({ ...withPort, headers: { ...withPort.headers, host: 'cvm.tencentcloudapi.com:8443' } }, secretOf, DOC.timestamp).ok).toBe(true);
  });
});

describe('TC3-HMAC-SHA256: refusals, with the cloud’s codes', () => {
  const at = DOC.timestamp;
  it('a wrong secret → AuthFailure.SignatureFailure', () => {
    expect(verifyTc3Request(docIncoming({}, 'not-the-secret'), secretOf, at)).toMatchObject({ ok: false, code: 'AuthFailure.SignatureFailure' });
  });
  it('a tampered body → AuthFailure.SignatureFailure', () => {
    expect(verifyTc3Request(docIncoming({ body: Buffer.from('{"Limit": 100}') }), secretOf, at)).toMatchObject({ ok: false, code: 'AuthFailure.SignatureFailure' });
  });
  it('an unknown SecretId → AuthFailure.SecretIdNotFound', () => {
    expect(verifyTc3Request(docIncoming(), () => undefined, at)).toMatchObject({ ok: false, code: 'AuthFailure.SecretIdNotFound' });
  });
  it('more than 5 minutes of skew → AuthFailure.SignatureExpire; 5 minutes is still fine', () => {
    expect(verifyTc3Request(docIncoming(), secretOf, at + 301)).toMatchObject({ ok: false, code: 'AuthFailure.SignatureExpire' });
    expect(verifyTc3Request(docIncoming(), secretOf, at - 301)).toMatchObject({ ok: false, code: 'AuthFailure.SignatureExpire' });
    expect(verifyTc3Request(docIncoming(), secretOf, at + 300).ok).toBe(true);
  });
  it('no or a foreign Authorization → AuthFailure.InvalidAuthorization', () => {
    const req = docIncoming();
    expect(verifyTc3Request({ ...req, headers: { ...req.headers, authorization: undefined } }, secretOf, at)).toMatchObject({ code: 'AuthFailure.InvalidAuthorization' });
    expect(verifyTc3Request({ ...req, headers: { ...req.headers, authorization: 'Basic abc' } }, secretOf, at)).toMatchObject({ code: 'AuthFailure.InvalidAuthorization' });
  });
  it('never puts the secret in its messages', () => {
    const verdict = verifyTc3Request(docIncoming({}, 'not-the-secret'), secretOf, at);
    expect(JSON.stringify(verdict)).not.toContain(DOC.secretKey);
  });
});

describe('TC3-HMAC-SHA256: what the official SDK sends', () => {
  interface Captured {
    method: string;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
  }
  let server: http.Server;
  let port: number;
  const captured: Captured[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ Response: { TotalCount: 0, InstanceSet: [], RequestId: 'captured-1' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('signs the real host and the cvm scope, and our verifier accepts it (and only with the right secret)', async () => {
    const client = new cvm.v20170312.Client({
      credential: { secretId: DOC.secretId, secretKey: 'sdk-secret-Key-1' },
      region: 'ap-guangzhou',
      profile: { httpProfile: cvmHttpProfile(`http://127.0.0.1:${port}`, 10) },
    });
    const resp = await client.DescribeInstances({ Limit: 1, Filters: [{ Name: 'instance-name', Values: ['未命名'] }] });
    expect(resp.RequestId).toBe('captured-1');

    const got = captured[0];
    expect(got.headers.host).toBe('cvm.tencentcloudapi.com');
    expect(got.headers['x-tc-action']).toBe('DescribeInstances');
    expect(parseAuthorization(got.headers.authorization)?.service).toBe('cvm');
    const incoming: IncomingTc3Request = {
      method: got.method,
      headers: Object.fromEntries(Object.entries(got.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
      body: got.body,
    };
    expect(verifyTc3Request(incoming, (id) => (id === DOC.secretId ? 'sdk-secret-Key-1' : undefined))).toMatchObject({ ok: true, secretId: DOC.secretId });
    expect(verifyTc3Request(incoming, () => 'sdk-secret-Key-2')).toMatchObject({ ok: false, code: 'AuthFailure.SignatureFailure' });
  });
});
