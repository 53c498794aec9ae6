/**
 * Admission of creates (DESIGN.md: the API is the admission point): the user's quota of live
 * boxes, their create rate, and the Idempotency-Key — checked and recorded in the transaction that
 * inserts the box, under a per-user lock, so concurrent requests (from one API process or many)
 * are counted one after another and a refusal creates nothing. The numbers are
 * policies.admission, overridable from the environment.
 */
import { createHash } from 'node:crypto';
import { and, eq, gt, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import { idempotencyKeys, rateLimitBuckets, vibeboxes } from '../drizzle/schema';
import type { Db } from '../lib/db';
import { PLAN_IDS, PlanId } from '../workflows/plans';
import { policies } from '../workflows/policies';
import { HttpError } from './errors';

export interface AdmissionRules {
  quota: { perPlan: Record<PlanId, number>; total: number };
  createRate: { burst: number; perMinute: number };
  idempotencyKeyTtl: number;
}

const count = z.coerce.number().int().min(0);

/**
 * policies.admission with the environment's overrides: `VIBEBOX_QUOTA_<PLAN>` (e.g.
 * `VIBEBOX_QUOTA_BASIC=10`), `VIBEBOX_QUOTA_TOTAL`, `VIBEBOX_CREATE_BURST`, `VIBEBOX_CREATE_PER_MINUTE`.
 */
export function admissionRulesFromEnv(env: Record<string, string | undefined>): AdmissionRules {
  const base = policies.admission;
  const read = (name: string, fallback: number, schema: z.ZodType<number> = count): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid configuration: ${name}=${raw} is not a valid number`);
    return parsed.data;
  };
  const perPlan = Object.fromEntries(PLAN_IDS.map((plan) => [plan, read(`VIBEBOX_QUOTA_${plan.toUpperCase()}`, base.quota.perPlan[plan])])) as Record<PlanId, number>;
  return {
    quota: { perPlan, total: read('VIBEBOX_QUOTA_TOTAL', base.quota.total) },
    createRate: {
      burst: read('VIBEBOX_CREATE_BURST', base.createRate.burst),
      perMinute: read('VIBEBOX_CREATE_PER_MINUTE', base.createRate.perMinute, z.coerce.number().positive()),
    },
    idempotencyKeyTtl: base.idempotencyKeyTtl,
  };
}

/** Serializes one user's admissions until the transaction ends (any API process, same lock). */
export async function lockUser(tx: Db, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`vibebox.admission:${userId}`}, 0))`);
}

/** 403 `quota_exceeded` when one more `planId` box would pass the user's quota. Counts every box not deleted. */
export async function checkQuota(tx: Db, userId: string, planId: PlanId, quota: AdmissionRules['quota']): Promise<void> {
  const rows = await tx
    .select({ planId: vibeboxes.planId, n: sql<number>`count(*)::int` })
    .from(vibeboxes)
    .where(and(eq(vibeboxes.userId, userId), sql`${vibeboxes.status} <> 'deleted'`))
    .groupBy(vibeboxes.planId);
  const ofPlan = rows.find((r) => r.planId === planId)?.n ?? 0;
  const total = rows.reduce((sum, r) => sum + r.n, 0);
  const refuse = (message: string) => {
    throw new HttpError(403, 'quota_exceeded', `${message}; delete a box to make room`);
  };
  if (ofPlan >= quota.perPlan[planId]) refuse(`quota reached: ${ofPlan} of ${quota.perPlan[planId]} "${planId}" boxes`);
  if (total >= quota.total) refuse(`quota reached: ${total} of ${quota.total} boxes in all`);
}

/**
 * Takes one create from the user's token bucket (`burst` at most, refilled at `perMinute`), timed
 * by the database's clock so every API process agrees. 429 `rate_limited` with Retry-After when empty.
 */
export async function takeCreateToken(tx: Db, userId: string, rate: AdmissionRules['createRate']): Promise<void> {
  const [row] = await tx
    .select({ tokens: rateLimitBuckets.tokens, elapsed: sql<number>`extract(epoch from now() - ${rateLimitBuckets.refilledAt})::float8` })
    .from(rateLimitBuckets)
    .where(and(eq(rateLimitBuckets.userId, userId), eq(rateLimitBuckets.bucket, 'create')));
  const perMs = rate.perMinute / 60_000;
  const available = row ? Math.min(rate.burst, row.tokens + Math.max(row.elapsed, 0) * 1000 * perMs) : rate.burst;
  if (available < 1) {
    throw new HttpError(429, 'rate_limited', `too many creates: at most ${rate.burst} at once and ${rate.perMinute} a minute`, undefined, (1 - available) / perMs);
  }
  await tx
    .insert(rateLimitBuckets)
    .values({ userId, bucket: 'create', tokens: available - 1, refilledAt: sql`now()` })
    .onConflictDoUpdate({ target: [rateLimitBuckets.userId, rateLimitBuckets.bucket], set: { tokens: available - 1, refilledAt: sql`now()` } });
}

/** What the Idempotency-Key header may hold: 1–255 visible ASCII characters (a UUID is typical). */
export const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, '1 to 255 visible ASCII characters');

/** The request as admitted (after validation), hashed in a canonical form: same fields → same hash. */
export function requestHash(body: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(body).sort().map((k) => [k, body[k]]));
  return createHash('sha256').update(canonical).digest('hex');
}

export type RememberedKey = typeof idempotencyKeys.$inferSelect;

/** The user's unexpired record of `key`, if any. */
export async function findKey(db: Db, userId: string, key: string): Promise<RememberedKey | undefined> {
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key), gt(idempotencyKeys.expiresAt, sql`now()`)));
  return row;
}

/** Records `key` → box, replacing an expired record of the same key; sweeps the user's other expired keys. */
export async function rememberKey(tx: Db, userId: string, key: string, hash: string, vibeboxId: string, ttlMs: number): Promise<void> {
  await tx.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), lte(idempotencyKeys.expiresAt, sql`now()`)));
  await tx.insert(idempotencyKeys).values({
    userId,
    key,
    requestHash: hash,
    vibeboxId,
    expiresAt: sql`now() + ${`${Math.round(ttlMs / 1000)} seconds`}::interval`,
  });
}

/** Forgets `key` (its create definitely did not happen). */
export async function forgetKey(db: Db, userId: string, key: string): Promise<void> {
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
}
