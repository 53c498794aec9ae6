/**
 * How the emulator authenticates a CVM API call: the TC3-HMAC-SHA256 signature over the raw
 * body, a known SecretId, a timestamp within Tencent's skew (providers/tencent/signature.ts does
 * the arithmetic), and no replay. A failure is Tencent's own AuthFailure.* error.
 *
 * Replays. TC3 has no nonce, and both official SDKs (Node, Python) sign only content-type and
 * host: X-TC-Action, X-TC-Region and X-TC-Version are outside the signature, so a captured
 * StartInstances would pass as TerminateInstances with the same body. The signature is what
 * makes a request unique, and it is accepted once — with one exception the SDKs force on any
 * server that accepts them: two honest calls with the same body signed within the same second
 * (a DescribeInstances then a StartInstances of one instance, say) carry the same signature.
 * So a signature seen before is refused once SAME_SECOND_GRACE_MS have passed since it was first
 * received — measured on the emulator's clock, so a client clock running ahead or behind neither
 * widens the window nor refuses an honest second call. A replay within that moment of the
 * original is indistinguishable from such a call and passes, as it would on the real cloud.
 */
import type { Request } from 'express';
import { ReplayGuard } from '../../emulation';
import { MAX_CLOCK_SKEW_SECONDS, verifyTc3Request } from '../signature';
import { TencentApiError } from './errors';

/** The rest of the signing second, plus time in transit for a second call signed in it. */
export const SAME_SECOND_GRACE_MS = 3000;

/** One value per header, lower-case names, as the signature check reads them. */
export function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Signatures seen while their timestamp is still accepted (the skew both ways). */
export function newSignatureGuard(): ReplayGuard {
  return new ReplayGuard(2 * MAX_CLOCK_SKEW_SECONDS * 1000);
}

/** The caller's SecretId; throws the AuthFailure.* error the cloud would answer with. */
export function authenticate(req: Request, body: Buffer, secrets: ReadonlyMap<string, string>, seen: ReplayGuard, nowMs = Date.now()): string {
  const headers = Object.fromEntries(Object.keys(req.headers).map((k) => [k, header(req, k)]));
  const verdict = verifyTc3Request({ method: req.method, path: '/', query: '', headers, body }, (id) => secrets.get(id), Math.floor(nowMs / 1000));
  if (!verdict.ok) throw new TencentApiError(verdict.code, verdict.message);
  const firstSeenAt = seen.use(`${verdict.secretId}/${verdict.signature}`);
  if (firstSeenAt !== undefined && nowMs > firstSeenAt + SAME_SECOND_GRACE_MS) {
    // No documented code for a replay: the signature family's own refusal, saying why.
    throw new TencentApiError('AuthFailure.SignatureFailure', 'The request signature was already used: a replayed request is refused.');
  }
  return verdict.secretId;
}
