/**
 * ECloud "BC-Signature V2.0" query signing — one implementation for the adapter's client (sign)
 * and the emulator (verify), so the two cannot drift apart.
 *
 *   params        = AccessKey, Version, Timestamp, SignatureMethod, SignatureVersion,
 *                   SignatureNonce + the request's business query params
 *   canonical     = sorted by name, pe(name)=pe(value) joined with '&' (Signature excluded)
 *   stringToSign  = METHOD + "\n" + pe(path) + "\n" + hex(sha256(canonical))
 *   Signature     = hex(HMAC-SHA1|SHA256(key "BC_SIGNATURE&" + SecretKey, stringToSign))
 *
 * Confirmed against independent implementations: the cloudpods ECloud driver (Go), the
 * aesirteam Go SDK, a Java and a Python signer (see docs/providers/chinamobile.md).
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_KEY_PREFIX = 'BC_SIGNATURE&';
export const SIGNATURE_VERSION = 'V2.0';
export const API_VERSION = '2016-12-05';
export const SIGNATURE_METHODS = ['HmacSHA1', 'HmacSHA256'] as const;
export type SignatureMethod = (typeof SIGNATURE_METHODS)[number];

/**
 * The SDKs disagree on Timestamp: the official-style ones format Beijing local time (UTC+8)
 * and append a literal 'Z'; others send true UTC. The gateway evidently accepts the former;
 * the verifier accepts both.
 */
export type TimestampStyle = 'beijing-local' | 'utc';
const BEIJING_OFFSET_MS = 8 * 3600_000;

/** How far a Timestamp may be from the verifier's clock (either style). */
export const DEFAULT_SKEW_MS = 10 * 60_000;

/**
 * How long one signed request stays acceptable: its Timestamp read either way (UTC or Beijing
 * local, 8 h apart), each ± the skew. A nonce must be remembered that long to refuse a replay.
 */
export const ACCEPTANCE_WINDOW_MS = BEIJING_OFFSET_MS + 2 * DEFAULT_SKEW_MS;

/**
 * Java's URLEncoder followed by +→%20, *→%2A, %7E→~ — i.e. RFC 3986: everything but
 * A-Z a-z 0-9 - _ . ~ is percent-encoded as UTF-8 with upper-case hex.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`)
    .join('&');
}

export function stringToSign(method: string, path: string, params: Record<string, string>): string {
  const digest = createHash('sha256').update(canonicalQuery(params), 'utf8').digest('hex');
  return `${method.toUpperCase()}\n${percentEncode(path)}\n${digest}`;
}

export function computeSignature(secretKey: string, text: string, method: SignatureMethod = 'HmacSHA1'): string {
  const algorithm = method === 'HmacSHA256' ? 'sha256' : 'sha1';
  return createHmac(algorithm, SIGNATURE_KEY_PREFIX + secretKey).update(text, 'utf8').digest('hex');
}

export function formatTimestamp(at: Date, style: TimestampStyle): string {
  const shifted = style === 'beijing-local' ? new Date(at.getTime() + BEIJING_OFFSET_MS) : at;
  return `${shifted.toISOString().slice(0, 19)}Z`;
}

export interface SignInput {
  accessKey: string;
  secretKey: string;
  method: string;
  path: string;
  /** Business query params (signed too). */
  query?: Record<string, string>;
  signatureMethod?: SignatureMethod;
  timestampStyle: TimestampStyle;
  /** Fixed values for tests; defaults are now and a fresh UUID. */
  now?: Date;
  nonce?: string;
}

export interface SignedQuery {
  /** All params including Signature. */
  params: Record<string, string>;
  /** Ready for the URL: canonical query + `&Signature=…`. */
  queryString: string;
  stringToSign: string;
  signature: string;
}

export function signRequest(input: SignInput): SignedQuery {
  const signatureMethod = input.signatureMethod ?? 'HmacSHA1';
  const params: Record<string, string> = {
    ...(input.query ?? {}),
    AccessKey: input.accessKey,
    Version: API_VERSION,
    Timestamp: formatTimestamp(input.now ?? new Date(), input.timestampStyle),
    SignatureMethod: signatureMethod,
    SignatureVersion: SIGNATURE_VERSION,
    SignatureNonce: input.nonce ?? randomUUID(),
  };
  const text = stringToSign(input.method, input.path, params);
  const signature = computeSignature(input.secretKey, text, signatureMethod);
  return {
    params: { ...params, Signature: signature },
    queryString: `${canonicalQuery(params)}&Signature=${signature}`,
    stringToSign: text,
    signature,
  };
}

export type VerifyFailure = 'missingParameter' | 'unknownAccessKey' | 'badSignature' | 'staleTimestamp' | 'unsupportedMethod';
export type VerifyResult = { ok: true; accessKey: string; nonce: string } | { ok: false; failure: VerifyFailure; message: string };

export interface VerifyInput {
  method: string;
  path: string;
  /** Every query param as received (decoded), Signature included. */
  params: Record<string, string>;
  secretOf(accessKey: string): string | undefined;
  now?: Date;
  skewMs?: number;
}

const REQUIRED = ['AccessKey', 'Timestamp', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Signature'] as const;

/** The emulator's gate: what the real gateway checks, in its order. Messages never echo secrets. */
export function verifyRequest(input: VerifyInput): VerifyResult {
  const p = input.params;
  const missing = REQUIRED.filter((k) => !p[k]);
  if (missing.length > 0) return { ok: false, failure: 'missingParameter', message: `missing parameter ${missing.join(', ')}` };
  const secretKey = input.secretOf(p.AccessKey);
  // "Invalid parameter AccessKey" is the real gateway's wording (cloudpods matches on it).
  if (secretKey === undefined) return { ok: false, failure: 'unknownAccessKey', message: 'Invalid parameter AccessKey' };
  const method = p.SignatureMethod as SignatureMethod;
  if (!SIGNATURE_METHODS.includes(method)) {
    return { ok: false, failure: 'unsupportedMethod', message: `unsupported SignatureMethod ${p.SignatureMethod}` };
  }
  if (!timestampWithinSkew(p.Timestamp, input.now ?? new Date(), input.skewMs ?? DEFAULT_SKEW_MS)) {
    return { ok: false, failure: 'staleTimestamp', message: `Timestamp ${p.Timestamp} is outside the allowed window` };
  }
  const expected = computeSignature(secretKey, stringToSign(input.method, input.path, p), method);
  if (!sameHex(expected, p.Signature.toLowerCase())) {
    return { ok: false, failure: 'badSignature', message: 'the request signature does not match' };
  }
  return { ok: true, accessKey: p.AccessKey, nonce: p.SignatureNonce };
}

/** True when `timestamp` is within the window read either as UTC or as Beijing local time. */
export function timestampWithinSkew(timestamp: string, now: Date, skewMs: number): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(timestamp)) return false;
  const asUtc = Date.parse(timestamp);
  if (Number.isNaN(asUtc)) return false;
  const within = (t: number) => Math.abs(now.getTime() - t) <= skewMs;
  return within(asUtc) || within(asUtc - BEIJING_OFFSET_MS);
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
