/** Users and their API tokens: used by the operator CLI (scripts/cli.ts) and the tests. */
import { eq } from 'drizzle-orm';
import { apiTokens, users } from '../drizzle/schema';
import type { Db } from '../lib/db';
import { generateToken, hashToken, tokenDisplayPrefix } from '../lib/tokens';

/**
 * Creates the user if the email is new, then issues a token. The token is returned once, never
 * stored. `admin: true` makes the user an admin (an existing user too); false leaves the flag as it is.
 */
export async function createUserWithToken(db: Db, email: string, tokenName = 'cli', opts: { admin?: boolean } = {}): Promise<{ userId: string; token: string }> {
  const [existing] = await db.select().from(users).where(eq(users.email, email));
  const user = existing ?? (await db.insert(users).values({ email, isAdmin: opts.admin ?? false }).returning())[0];
  if (opts.admin && !user.isAdmin) await db.update(users).set({ isAdmin: true }).where(eq(users.id, user.id));
  const token = generateToken();
  await db.insert(apiTokens).values({ userId: user.id, tokenHash: hashToken(token), prefix: tokenDisplayPrefix(token), name: tokenName });
  return { userId: user.id, token };
}
