/**
 * How the emulator authenticates a CVM API call: the TC3-HMAC-SHA256 signature over the raw
 * body, a known SecretId, a timestamp within Tencent's skew (providers/tencent/signature.ts does
 * the arithmetic). A failure is Tencent's own AuthFailure.* error.
 */
import type { Request } from 'express';
import { verifyTc3Request } from '../signature';
import { TencentApiError } from './errors';

/** One value per header, lower-case names, as the signature check reads them. */
export function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The caller's SecretId; throws the AuthFailure.* error the cloud would answer with. */
export function authenticate(req: Request, body: Buffer, secrets: ReadonlyMap<string, string>): string {
  const headers = Object.fromEntries(Object.keys(req.headers).map((k) => [k, header(req, k)]));
  const verdict = verifyTc3Request({ method: req.method, path: '/', query: '', headers, body }, (id) => secrets.get(id));
  if (!verdict.ok) throw new TencentApiError(verdict.code, verdict.message);
  return verdict.secretId;
}
