/**
 * Alibaba Cloud request signatures, written from the published algorithm (not from the SDK) so
 * the emulator checks what the official SDK sends against an independent reading of the spec:
 *
 * - V3, `ACS3-HMAC-SHA256` (the SDK's default): a canonical request over method, path, query,
 *   the signed headers and the body hash; StringToSign = algorithm + "\n" + hex(sha256(it));
 *   Signature = hex(HMAC-SHA256(secret, StringToSign)); sent as
 *   `Authorization: ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<a;b>,Signature=<hex>`.
 * - V2 (legacy RPC, `SignatureMethod=HMAC-SHA1`): every parameter in the query, StringToSign =
 *   `METHOD&%2F&enc(sorted k=v joined by &)`, key `secret&`, base64.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export type Headers = Record<string, string | string[] | undefined>;

/** RFC 3986 percent-encoding as Alibaba Cloud specifies it: only A-Z a-z 0-9 - _ . ~ stay as they are. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Parameters sorted by name (code-unit order), each `enc(name)=enc(value)`, joined by `&`. */
export function canonicalQueryString(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`)
    .join('&');
}

/** The headers V3 signs: host, content-type and every x-acs-* header (Authorization itself never). */
export function isSignableHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n === 'host' || n === 'content-type' || n.startsWith('x-acs-');
}

function headerValue(headers: Headers, name: string): string | undefined {
  const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  const v = found?.[1];
  return Array.isArray(v) ? v.join(',') : v;
}

export interface Acs3Request {
  method: string;
  /** Path part of the URL; RPC-style APIs always use `/`. */
  path?: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  headers: Headers;
  /** Hex sha256 of the body; defaults to the `x-acs-content-sha256` header. */
  payloadHash?: string;
}

/** `name:trimmed value\n` for each signed header, sorted by lower-cased name. */
export function canonicalHeaders(headers: Headers, signedHeaders: string[]): string {
  return [...signedHeaders]
    .map((n) => n.toLowerCase())
    .sort()
    .map((n) => `${n}:${(headerValue(headers, n) ?? '').trim()}\n`)
    .join('');
}

export function acs3CanonicalRequest(req: Acs3Request, signedHeaders: string[]): string {
  const names = [...signedHeaders].map((n) => n.toLowerCase()).sort();
  return [
    req.method.toUpperCase(),
    req.path ?? '/',
    canonicalQueryString(req.query),
    canonicalHeaders(req.headers, names),
    names.join(';'),
    req.payloadHash ?? headerValue(req.headers, 'x-acs-content-sha256') ?? sha256Hex(''),
  ].join('\n');
}

export function acs3StringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

export function acs3Signature(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign).digest('hex');
}

export interface Acs3Signed {
  authorization: string;
  signature: string;
  signedHeaders: string[];
  canonicalRequest: string;
  stringToSign: string;
}

/** Signs a request the way a V3 client must: over every signable header it carries. */
export function signAcs3(req: Acs3Request, accessKeyId: string, accessKeySecret: string): Acs3Signed {
  const signedHeaders = Object.keys(req.headers)
    .filter(isSignableHeader)
    .map((n) => n.toLowerCase())
    .sort();
  const canonicalRequest = acs3CanonicalRequest(req, signedHeaders);
  const stringToSign = acs3StringToSign(canonicalRequest);
  const signature = acs3Signature(accessKeySecret, stringToSign);
  return {
    authorization: `${ACS3_ALGORITHM} Credential=${accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`,
    signature,
    signedHeaders,
    canonicalRequest,
    stringToSign,
  };
}

export interface ParsedAuthorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses a V3 Authorization header; undefined when it is not one (wrong scheme, missing part). */
export function parseAcs3Authorization(header: string | undefined): ParsedAuthorization | undefined {
  const m = /^(\S+)\s+(.+)$/.exec(header?.trim() ?? '');
  if (!m || m[1] !== ACS3_ALGORITHM) return undefined;
  const parts = new Map<string, string>();
  for (const part of m[2].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { algorithm: m[1], accessKeyId, signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()), signature };
}

/** Recomputes the signature over the headers the client said it signed, and compares in constant time. */
export function verifyAcs3(req: Acs3Request, auth: ParsedAuthorization, accessKeySecret: string): boolean {
  const expected = acs3Signature(accessKeySecret, acs3StringToSign(acs3CanonicalRequest(req, auth.signedHeaders)));
  return constantTimeEqual(expected, auth.signature.toLowerCase());
}

// ---- V2 (legacy RPC) -----------------------------------------------------------------------

export function rpcV2StringToSign(method: string, params: Record<string, string>): string {
  const { Signature: _omitted, ...signed } = params;
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQueryString(signed))}`;
}

export function rpcV2Signature(method: string, params: Record<string, string>, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(rpcV2StringToSign(method, params)).digest('base64');
}

/** `params` as received, including `Signature`. */
export function verifyRpcV2(method: string, params: Record<string, string>, accessKeySecret: string): boolean {
  return constantTimeEqual(rpcV2Signature(method, params, accessKeySecret), params.Signature ?? '');
}

function constantTimeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
