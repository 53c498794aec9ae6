/**
 * Bearer tokens the relay hands out. happy-server mints privacy-kit "persistent tokens" (signed,
 * never expiring, `{user, extras?}` inside); clients treat them as opaque strings, so the
 * emulator signs the same claims with HMAC-SHA256 under a key of its own:
 * `base64url(JSON claims) "." base64url(mac)`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  user: string;
  extras?: Record<string, unknown>;
}

export function createToken(key: Buffer, claims: TokenClaims): string {
  // A nonce makes every token distinct, as privacy-kit's are (each poll gets a fresh one).
  const body = Buffer.from(JSON.stringify({ ...claims, n: randomBytes(8).toString('hex') })).toString('base64url');
  return `${body}.${mac(key, body)}`;
}

export function verifyToken(key: Buffer, token: string): TokenClaims | null {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return null;
  const expected = Buffer.from(mac(key, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    return typeof claims.user === 'string' ? { user: claims.user, extras: claims.extras } : null;
  } catch {
    return null;
  }
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}
