/**
 * TC3-HMAC-SHA256, Tencent Cloud API 3.0's request signature, written from the public
 * specification and independent of the SDK, so the emulator can check what the SDK sends
 * instead of trusting it. Steps (spec names):
 *   1. CanonicalRequest = Method \n URI \n Query \n CanonicalHeaders \n SignedHeaders \n hex(sha256(payload))
 *   2. StringToSign     = "TC3-HMAC-SHA256" \n Timestamp \n Date/service/tc3_request \n hex(sha256(CanonicalRequest))
 *   3. key = HMAC(HMAC(HMAC("TC3"+SecretKey, Date), service), "tc3_request"); Signature = hex(HMAC(key, StringToSign))
 *   4. Authorization    = "TC3-HMAC-SHA256 Credential=SecretId/Scope, SignedHeaders=..., Signature=..."
 * Date is the UTC date of the timestamp.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';
const TERMINATOR = 'tc3_request';
/** The spec's limit: requests whose timestamp is further off than this are refused as expired. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

export interface Tc3Request {
  method: string;
  /** '/' for API 3.0. */
  path?: string;
  /** Raw query string (GET); '' for POST. */
  query?: string;
  /** Header values by lowercase name; only the signed ones matter. */
  headers: Readonly<Record<string, string>>;
  /** Lowercase header names that take part in the signature, e.g. ['content-type', 'host']. */
  signedHeaders: readonly string[];
  payload: string | Buffer;
  /** Unix seconds (X-TC-Timestamp). */
  timestamp: number;
  /** Product name, the first label of the endpoint host: 'cvm'. */
  service: string;
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** UTC YYYY-MM-DD of a unix timestamp: the Date of the credential scope. */
export function tc3Date(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

export function credentialScope(timestamp: number, service: string): string {
  return `${tc3Date(timestamp)}/${service}/${TERMINATOR}`;
}

/** Names and values lowercased and trimmed, as the spec says, sorted by name. */
export function canonicalRequest(req: Tc3Request): string {
  const names = [...req.signedHeaders].map((h) => h.toLowerCase()).sort();
  const canonicalHeaders = names.map((n) => `${n}:${(req.headers[n] ?? '').trim().toLowerCase()}\n`).join('');
  return [req.method.toUpperCase(), req.path ?? '/', req.query ?? '', canonicalHeaders, names.join(';'), sha256Hex(req.payload)].join('\n');
}

export function stringToSign(req: Tc3Request): string {
  return [TC3_ALGORITHM, String(req.timestamp), credentialScope(req.timestamp, req.service), sha256Hex(canonicalRequest(req))].join('\n');
}

export function signingKey(secretKey: string, date: string, service: string): Buffer {
  return hmac(hmac(hmac(`TC3${secretKey}`, date), service), TERMINATOR);
}

export function tc3Signature(secretKey: string, req: Tc3Request): string {
  return createHmac('sha256', signingKey(secretKey, tc3Date(req.timestamp), req.service)).update(stringToSign(req), 'utf8').digest('hex');
}

export function authorizationHeader(secretId: string, secretKey: string, req: Tc3Request): string {
  const signed = [...req.signedHeaders].map((h) => h.toLowerCase()).sort().join(';');
  return `${TC3_ALGORITHM} Credential=${secretId}/${credentialScope(req.timestamp, req.service)}, SignedHeaders=${signed}, Signature=${tc3Signature(secretKey, req)}`;
}

export interface ParsedAuthorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses an Authorization header; undefined when it is not a well-formed TC3 one. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const m = /^TC3-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9-]+)\/tc3_request\s*,\s*SignedHeaders=([a-z0-9;-]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/i.exec(
    header?.trim() ?? '',
  );
  if (!m) return undefined;
  return { secretId: m[1], date: m[2], service: m[3], signedHeaders: m[4].toLowerCase().split(';'), signature: m[5].toLowerCase() };
}

/** The cloud's own auth error codes, which the emulator answers with. */
export type Tc3Failure =
  | 'AuthFailure.InvalidAuthorization'
  | 'AuthFailure.SignatureExpire'
  | 'AuthFailure.SecretIdNotFound'
  | 'AuthFailure.SignatureFailure';

export type Tc3Verdict = { ok: true; secretId: string; signature: string; timestamp: number } | { ok: false; code: Tc3Failure; message: string };

export interface IncomingTc3Request {
  method: string;
  path?: string;
  query?: string;
  /** Lowercase names, as Node gives them. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

/**
 * The headers every signature must cover, as the API 3.0 signature documentation requires
 * ("at least host and content-type"); a client may sign more (e.g. x-tc-action), and whatever it
 * signs is checked. The SDKs (Node, Python) sign exactly these two.
 */
export const REQUIRED_SIGNED_HEADERS = ['content-type', 'host'] as const;

/**
 * The Host values a client may have signed for a received Host header: as received first (the
 * Python SDK signs its endpoint, port included), then without the port (the Node SDK signs
 * `URL.hostname` while sending `URL.host`). The real endpoint is reached on the default port,
 * where both are the same.
 */
export function signedHostCandidates(received: string): string[] {
  const bare = received.replace(/:\d+$/, '');
  return bare === received ? [received] : [received, bare];
}

/**
 * Verifies a received request. Messages never contain the secret or the expected signature.
 * On success it also returns the signature, which is what makes the request unique (TC3 has no
 * nonce): the emulator's replay check keys on it.
 */
export function verifyTc3Request(
  req: IncomingTc3Request,
  secretOf: (secretId: string) => string | undefined,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Tc3Verdict {
  const auth = parseAuthorization(req.headers.authorization);
  if (!auth) return fail('AuthFailure.InvalidAuthorization', 'the Authorization header is not a TC3-HMAC-SHA256 one');
  const unsigned = REQUIRED_SIGNED_HEADERS.filter((h) => !auth.signedHeaders.includes(h));
  if (unsigned.length > 0) return fail('AuthFailure.InvalidAuthorization', `SignedHeaders must include ${REQUIRED_SIGNED_HEADERS.join(' and ')}`);
  const timestamp = Number(req.headers['x-tc-timestamp']);
  if (!Number.isInteger(timestamp)) return fail('AuthFailure.InvalidAuthorization', 'X-TC-Timestamp is missing or not an integer');
  if (Math.abs(nowSeconds - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
    return fail('AuthFailure.SignatureExpire', `the request timestamp ${timestamp} is more than ${MAX_CLOCK_SKEW_SECONDS} s from server time ${nowSeconds}`);
  }
  const secretKey = secretOf(auth.secretId);
  if (secretKey === undefined) return fail('AuthFailure.SecretIdNotFound', 'the SecretId is not found');
  if (auth.date !== tc3Date(timestamp)) return fail('AuthFailure.SignatureFailure', 'the credential date does not match X-TC-Timestamp');

  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) headers[name] = req.headers[name] ?? '';
  const given = Buffer.from(auth.signature, 'hex');
  const matches = signedHostCandidates(req.headers.host ?? '').some((host) => {
    const expected = tc3Signature(secretKey, {
      method: req.method,
      path: req.path ?? '/',
      query: req.query ?? '',
      headers: { ...headers, host },
      signedHeaders: auth.signedHeaders,
      payload: req.body,
      timestamp,
      service: auth.service,
    });
    return timingSafeEqual(Buffer.from(expected, 'hex'), given);
  });
  if (!matches) return fail('AuthFailure.SignatureFailure', 'the request signature does not match');
  return { ok: true, secretId: auth.secretId, signature: auth.signature, timestamp };
}

function fail(code: Tc3Failure, message: string): Tc3Verdict {
  return { ok: false, code, message };
}
