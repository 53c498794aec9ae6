/**
 * How the emulator authenticates an ECS API request, in the order a gateway would: the request
 * must be complete (headers/parameters), current (timestamp within 15 minutes), from a known
 * AccessKeyId, correctly signed, and not a replay (nonce seen before). V3 (ACS3-HMAC-SHA256,
 * the SDK's default) and legacy V2 (HMAC-SHA1 query signature) are both accepted.
 */
import { ReplayGuard } from '../../emulation';
import { AliyunApiError, missingParameter } from './errors';
import {
  Headers,
  parseAcs3Authorization,
  sha256Hex,
  verifyAcs3,
  verifyRpcV2,
  rpcV2StringToSign,
  acs3CanonicalRequest,
  acs3StringToSign,
} from '../signature';

export const ECS_API_VERSION = '2014-05-26';
const MAX_SKEW_MS = 15 * 60_000;

export interface IncomingCall {
  method: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  headers: Headers;
  body: Buffer;
}

export interface AuthenticatedCall {
  accessKeyId: string;
  action: string;
  /** Business parameters (query + form body), without V2's signing parameters. */
  params: Record<string, string>;
  signatureVersion: 'v3' | 'v2';
}

/** Nonces are remembered for the whole timestamp window, both ways: a second use is a replay. */
export function newNonceGuard(): ReplayGuard {
  return new ReplayGuard(2 * MAX_SKEW_MS);
}

const V3_REQUIRED_HEADERS = ['x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256', 'host'];
const V2_REQUIRED_PARAMS = ['Action', 'Version', 'AccessKeyId', 'SignatureMethod', 'SignatureNonce', 'Timestamp', 'Signature'];
const V2_SIGNING_PARAMS = new Set([...V2_REQUIRED_PARAMS, 'Format', 'SignatureVersion', 'SignatureType']);

export function authenticate(call: IncomingCall, secrets: ReadonlyMap<string, string>, nonces: ReplayGuard, now = Date.now()): AuthenticatedCall {
  const authorization = header(call.headers, 'authorization');
  if (authorization !== undefined) return authenticateV3(call, authorization, secrets, nonces, now);
  if (call.query.Signature !== undefined) return authenticateV2(call, secrets, nonces, now);
  throw missingParameter('Authorization');
}

function authenticateV3(call: IncomingCall, authorization: string, secrets: ReadonlyMap<string, string>, nonces: ReplayGuard, now: number): AuthenticatedCall {
  const auth = parseAcs3Authorization(authorization);
  if (!auth) throw incompleteSignature('the Authorization header is not "ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…"');
  for (const name of V3_REQUIRED_HEADERS) if (!header(call.headers, name)) throw missingParameter(name);
  checkVersion(header(call.headers, 'x-acs-version'));
  checkTimestamp(header(call.headers, 'x-acs-date'), now);
  const secret = secrets.get(auth.accessKeyId);
  if (secret === undefined) throw unknownAccessKey();
  const unsigned = V3_REQUIRED_HEADERS.filter((h) => !auth.signedHeaders.includes(h));
  if (unsigned.length > 0) throw incompleteSignature(`SignedHeaders must include ${unsigned.join(', ')}`);
  const payloadHash = sha256Hex(call.body);
  if (payloadHash !== header(call.headers, 'x-acs-content-sha256')?.toLowerCase()) {
    throw new AliyunApiError(400, 'SignatureDoesNotMatch', 'The x-acs-content-sha256 header does not match the request body.');
  }
  const request = { method: call.method, path: '/', query: call.query, headers: call.headers, payloadHash };
  if (!verifyAcs3(request, auth, secret)) {
    // Like ECS, say what we signed (a hash; no secret in it) so a client author can compare.
    const stringToSign = acs3StringToSign(acs3CanonicalRequest(request, auth.signedHeaders)).replace('\n', ' ');
    throw new AliyunApiError(400, 'SignatureDoesNotMatch', `Specified signature does not match our calculation. The server string to sign is: ${stringToSign}`);
  }
  if (nonces.use(`${auth.accessKeyId}\u0000${header(call.headers, 'x-acs-signature-nonce')}`) !== undefined) throw nonceUsed();
  return { accessKeyId: auth.accessKeyId, action: header(call.headers, 'x-acs-action') ?? '', params: { ...formParams(call), ...call.query }, signatureVersion: 'v3' };
}

function authenticateV2(call: IncomingCall, secrets: ReadonlyMap<string, string>, nonces: ReplayGuard, now: number): AuthenticatedCall {
  const all = { ...formParams(call), ...call.query };
  for (const name of V2_REQUIRED_PARAMS) if (!all[name]) throw missingParameter(name);
  if (all.SignatureMethod !== 'HMAC-SHA1') throw incompleteSignature(`SignatureMethod ${all.SignatureMethod} is not supported`);
  checkVersion(all.Version);
  checkTimestamp(all.Timestamp, now);
  const secret = secrets.get(all.AccessKeyId);
  if (secret === undefined) throw unknownAccessKey();
  if (!verifyRpcV2(call.method, all, secret)) {
    // ECS's words, up to the colon the legacy SDK splits on to compare our string to sign with its own.
    throw new AliyunApiError(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${rpcV2StringToSign(call.method, all)}`);
  }
  if (nonces.use(`${all.AccessKeyId}\u0000${all.SignatureNonce}`) !== undefined) throw nonceUsed();
  const params = Object.fromEntries(Object.entries(all).filter(([k]) => !V2_SIGNING_PARAMS.has(k)));
  return { accessKeyId: all.AccessKeyId, action: all.Action, params, signatureVersion: 'v2' };
}

function checkVersion(version: string | undefined): void {
  if (version !== ECS_API_VERSION) throw new AliyunApiError(400, 'InvalidVersion', `Specified parameter Version is not valid (ECS is ${ECS_API_VERSION}).`);
}

/** `yyyy-MM-ddTHH:mm:ssZ`, UTC, within 15 minutes of now either way. */
function checkTimestamp(value: string | undefined, now: number): void {
  const ms = value && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new AliyunApiError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
  if (Math.abs(now - ms) > MAX_SKEW_MS) throw new AliyunApiError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
}

function formParams(call: IncomingCall): Record<string, string> {
  const type = header(call.headers, 'content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') || call.body.length === 0) return {};
  return Object.fromEntries(new URLSearchParams(call.body.toString('utf8')));
}

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

const incompleteSignature = (detail: string) =>
  new AliyunApiError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: ${detail}.`);
const unknownAccessKey = () => new AliyunApiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
const nonceUsed = () => new AliyunApiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
