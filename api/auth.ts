/** Bearer-token authentication: the token's sha256 is looked up; revoked tokens are refused. */
import { and, eq, isNull } from 'drizzle-orm';
import type { RequestHandler } from 'express';
import { apiTokens, users } from '../drizzle/schema';
import type { Db } from '../lib/db';
import { hashToken } from '../lib/tokens';
import { HttpError } from './errors';

export interface AuthedUser {
  id: string;
  email: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: AuthedUser;
  }
}

/** `last_used_at` is a hint for operators: written at most once a minute per token and process, not on every request. */
const LAST_USED_EVERY_MS = 60_000;

export function requireUser(db: Db): RequestHandler {
  const lastWritten = new Map<string, number>();
  return async (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match) return next(new HttpError(401, 'unauthorized', 'missing bearer token'));
    const tokenHash = hashToken(match[1]);
    const [row] = await db
      .select({ id: users.id, email: users.email, tokenId: apiTokens.id })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
    if (!row) return next(new HttpError(401, 'unauthorized', 'invalid or revoked token'));
    req.user = { id: row.id, email: row.email };
    const now = Date.now();
    if (now - (lastWritten.get(row.tokenId) ?? 0) >= LAST_USED_EVERY_MS) {
      lastWritten.set(row.tokenId, now);
      db.update(apiTokens).set({ lastUsedAt: new Date(now) }).where(eq(apiTokens.id, row.tokenId)).catch(() => undefined);
    }
    next();
  };
}

export function currentUser(req: { user?: AuthedUser }): AuthedUser {
  if (!req.user) throw new HttpError(401, 'unauthorized', 'not authenticated');
  return req.user;
}
