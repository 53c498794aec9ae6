/**
 * Signing and verification throughput of each cloud's own signature implementation, on one
 * typical request per cloud (what the adapter sends most: a RunInstances-sized call). Signing is
 * what a client pays per API call; verification is what each emulator pays per request it serves.
 * A bare HMAC-SHA256 row gives the floor: the rest of each figure is canonicalization and hashing.
 *
 *   npx tsx bench/signatures.ts [--seconds 1]
 */
import { createHmac, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as aliyun from '../providers/aliyun/signature';
import * as ecloud from '../providers/chinamobile/signature';
import * as tencent from '../providers/tencent/signature';

const AK = 'bench-access-key-id';
const SECRET = randomBytes(24).toString('base64url');

interface Case {
  cloud: string;
  scheme: string;
  sign: () => unknown;
  /** Verifies a request signed once beforehand; must return true (checked before timing). */
  verify: () => boolean;
}

// ---- Aliyun: RunInstances as the ECS SDK sends it (RPC style: parameters in the query, empty body) ----

const aliyunQuery: Record<string, string> = {
  RegionId: 'cn-hangzhou',
  ZoneId: 'cn-hangzhou-i',
  ImageId: 'ubuntu_22_04_x64_20G_alibase_20240130.vhd',
  InstanceType: 'ecs.e-c1m2.large',
  Amount: '1',
  ClientToken: 'vb-3f2c9a1e-aliyun-cn-hangzhou-0',
  Password: 'Vb!x9Qw2rT7zLp4K',
  InstanceName: 'vb-3f2c9a1e',
  InstanceChargeType: 'PostPaid',
  InternetChargeType: 'PayByTraffic',
  InternetMaxBandwidthOut: '5',
  'SystemDisk.Size': '40',
  'SystemDisk.Category': 'cloud_essd',
  'Tag.1.Key': 'vibebox:id',
  'Tag.1.Value': 'vb-3f2c9a1e',
};
const aliyunBody = Buffer.alloc(0);
const aliyunHeaders = (): aliyun.Headers => ({
  host: 'ecs.cn-hangzhou.aliyuncs.com',
  'x-acs-action': 'RunInstances',
  'x-acs-version': '2014-05-26',
  'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  'x-acs-signature-nonce': randomBytes(16).toString('hex'),
  'x-acs-content-sha256': aliyun.sha256Hex(aliyunBody),
  accept: 'application/json',
  'user-agent': 'AlibabaCloud (linux; x64) Node.js/v20 Core/1.0.8',
});
const acs3Request = { method: 'POST', path: '/', query: aliyunQuery, headers: aliyunHeaders() };
const acs3Signed = aliyun.signAcs3(acs3Request, AK, SECRET);
const acs3Incoming = { ...acs3Request, headers: { ...acs3Request.headers, authorization: acs3Signed.authorization } };

const v2Params = {
  ...aliyunQuery,
  Action: 'RunInstances',
  Version: '2014-05-26',
  AccessKeyId: AK,
  SignatureMethod: 'HMAC-SHA1',
  SignatureVersion: '1.0',
  SignatureNonce: 'c1f1a3e0-2f4e-4b8e-9b1a-6c3d2e1f0a9b',
  Timestamp: '2026-01-01T00:00:00Z',
  Format: 'JSON',
};
const v2Incoming = { ...v2Params, Signature: aliyun.rpcV2Signature('POST', v2Params, SECRET) };

// ---- Tencent: RunInstances, a JSON body, signing content-type and host as the CVM SDK does ----

const tencentPayload = JSON.stringify({
  InstanceChargeType: 'POSTPAID_BY_HOUR',
  Placement: { Zone: 'ap-guangzhou-6' },
  InstanceType: 'SA5.MEDIUM4',
  ImageId: 'img-487zeit5',
  SystemDisk: { DiskType: 'CLOUD_PREMIUM', DiskSize: 50 },
  InternetAccessible: { InternetChargeType: 'TRAFFIC_POSTPAID_BY_HOUR', InternetMaxBandwidthOut: 10, PublicIpAssigned: true },
  InstanceCount: 1,
  InstanceName: 'vb-3f2c9a1e',
  LoginSettings: { Password: 'Vb!x9Qw2rT7zLp4K' },
  ClientToken: 'vb-3f2c9a1e-tencent-ap-guangzhou-0',
  TagSpecification: [{ ResourceType: 'instance', Tags: [{ Key: 'vibebox:id', Value: 'vb-3f2c9a1e' }] }],
});
const tc3Request = (): tencent.Tc3Request => ({
  method: 'POST',
  path: '/',
  query: '',
  headers: { 'content-type': 'application/json; charset=utf-8', host: 'cvm.tencentcloudapi.com' },
  signedHeaders: ['content-type', 'host'],
  payload: tencentPayload,
  timestamp: Math.floor(Date.now() / 1000),
  service: 'cvm',
});
const tc3Signed = tc3Request();
const tc3Incoming: tencent.IncomingTc3Request = {
  method: 'POST',
  path: '/',
  query: '',
  headers: {
    ...tc3Signed.headers,
    authorization: tencent.authorizationHeader(AK, SECRET, tc3Signed),
    'x-tc-timestamp': String(tc3Signed.timestamp),
    'x-tc-action': 'RunInstances',
    'x-tc-version': '2017-03-12',
    'x-tc-region': 'ap-guangzhou',
  },
  body: Buffer.from(tencentPayload),
};

// ---- ECloud: DescribeVirtualNetworks, the query-signed GET the adapter sends for every box's addresses ----

const ecloudPath = '/api/openapi-instance/v4/virtual-networks';
const ecloudQuery = { instanceId: '0b6f0a52-7c1e-4d0e-9a57-1f6f3c2d9e4b', page: '1', pageSize: '10' };
const ecloudSign = (signatureMethod: ecloud.SignatureMethod) => () =>
  ecloud.signRequest({ accessKey: AK, secretKey: SECRET, method: 'GET', path: ecloudPath, query: ecloudQuery, signatureMethod, timestampStyle: 'beijing-local' });
const ecloudVerify = (signatureMethod: ecloud.SignatureMethod) => {
  const params = ecloudSign(signatureMethod)().params;
  return () => ecloud.verifyRequest({ method: 'GET', path: ecloudPath, params, secretOf: (ak) => (ak === AK ? SECRET : undefined) }).ok;
};

const CASES: Case[] = [
  {
    cloud: 'aliyun',
    scheme: 'ACS3-HMAC-SHA256 (SDK default)',
    // A client hashes the body and signs over its headers; fresh date and nonce are the SDK's job, not timed.
    sign: () => aliyun.signAcs3({ ...acs3Request, payloadHash: aliyun.sha256Hex(aliyunBody) }, AK, SECRET),
    // What the Aliyun emulator's auth.ts does: parse the header, hash the body, recompute and compare.
    verify: () => {
      const auth = aliyun.parseAcs3Authorization(acs3Incoming.headers.authorization);
      return !!auth && aliyun.verifyAcs3({ ...acs3Incoming, payloadHash: aliyun.sha256Hex(aliyunBody) }, auth, SECRET);
    },
  },
  {
    cloud: 'aliyun',
    scheme: 'V2 HMAC-SHA1 (legacy RPC)',
    sign: () => aliyun.rpcV2Signature('POST', v2Params, SECRET),
    verify: () => aliyun.verifyRpcV2('POST', v2Incoming, SECRET),
  },
  {
    cloud: 'tencent',
    scheme: 'TC3-HMAC-SHA256',
    sign: () => tencent.authorizationHeader(AK, SECRET, tc3Request()),
    verify: () => tencent.verifyTc3Request(tc3Incoming, (id) => (id === AK ? SECRET : undefined), tc3Signed.timestamp).ok,
  },
  // signRequest makes its own timestamp and nonce (randomUUID), as the client calls it: they are timed.
  { cloud: 'chinamobile', scheme: 'BC-Signature V2.0 HmacSHA1 (default)', sign: ecloudSign('HmacSHA1'), verify: ecloudVerify('HmacSHA1') },
  { cloud: 'chinamobile', scheme: 'BC-Signature V2.0 HmacSHA256', sign: ecloudSign('HmacSHA256'), verify: ecloudVerify('HmacSHA256') },
];

/** Runs `fn` in batches for about `seconds` (after a short warm-up); returns operations per second. */
function opsPerSecond(fn: () => unknown, seconds: number): number {
  let sink = 0; // results feed a value that is used, so the work cannot be optimized away
  const batch = (n: number) => {
    for (let i = 0; i < n; i++) sink += fn() ? 1 : 0;
  };
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) batch(100);
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    batch(200);
    ops += 200;
  }
  const elapsed = (performance.now() - start) / 1000;
  if (sink < 0) console.log(sink);
  return ops / elapsed;
}

function main(): void {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '1' } } });
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got "${values.seconds}"`);

  // A benchmark of a verifier that says "no" measures the wrong path.
  for (const c of CASES) if (!c.verify()) throw new Error(`${c.cloud} ${c.scheme}: verification of a correctly signed request failed`);

  console.log(`signatures: ~${seconds} s per figure, one thread, node ${process.version}`);
  const head = `${'cloud'.padEnd(12)}${'scheme'.padEnd(38)}${'sign ops/s'.padStart(12)}${'µs/op'.padStart(8)}${'verify ops/s'.padStart(14)}${'µs/op'.padStart(8)}`;
  console.log(head);
  console.log('-'.repeat(head.length));
  const fmt = (ops: number) => `${Math.round(ops).toLocaleString('en-US').padStart(12)}${(1e6 / ops).toFixed(1).padStart(8)}`;
  const floorKey = randomBytes(32);
  const floorText = acs3Signed.stringToSign;
  const floor = opsPerSecond(() => createHmac('sha256', floorKey).update(floorText).digest('hex'), seconds);
  console.log(`${'(floor)'.padEnd(12)}${'one HMAC-SHA256 of a string to sign'.padEnd(38)}${fmt(floor)}`);
  for (const c of CASES) {
    const sign = opsPerSecond(c.sign, seconds);
    const verify = opsPerSecond(c.verify, seconds);
    console.log(`${c.cloud.padEnd(12)}${c.scheme.padEnd(38)}${fmt(sign)}  ${fmt(verify)}`);
  }
}

main();
