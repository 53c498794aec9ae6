/** API tokens: `vbx_` + 32 random bytes (base64url). Only the sha256 is stored. */
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'vbx_';

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What an operator may see of a token: enough to tell two apart, useless to an attacker. */
export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}
