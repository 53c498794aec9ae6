/**
 * Postgres access: one pg pool, drizzle on top, migrations from drizzle/migrations applied on start.
 * Every wait on Postgres is bounded (connection, statement, reply), so a frozen or absent server
 * costs the caller seconds and a recognisable error (`isDatabaseUnavailable`), never a hang.
 */
import path from 'node:path';
import { drizzle, NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Pool, PoolClient } from 'pg';
import * as schema from '../drizzle/schema';

export type Db = NodePgDatabase<typeof schema>;

export interface Database {
  db: Db;
  pool: Pool;
  url: string;
  close(): Promise<void>;
}

/** The bounds on every wait (the numbers are the caller's: workflows/policies.ts `dependencies`). */
export interface DatabaseTimeouts {
  /** Waiting for a connection: a new one, or a free one from the pool. */
  connectTimeoutMs: number;
  /** One statement: the server cancels it after this, and the client stops waiting a moment later. */
  statementTimeoutMs: number;
}

export const MIGRATIONS_FOLDER = path.join(__dirname, '..', 'drizzle', 'migrations');

/** A moment past the server's own statement timeout: the server's clean error comes first when it can answer at all. */
const REPLY_GRACE_MS = 1_000;

export function connectDatabase(url: string, timeouts?: DatabaseTimeouts, max = 10): Database {
  const pool = new Pool({
    connectionString: url,
    max,
    // A dead peer (a frozen host, a cut cable) is noticed by TCP keepalive instead of never.
    keepAlive: true,
    ...(timeouts && {
      connectionTimeoutMillis: timeouts.connectTimeoutMs,
      statement_timeout: timeouts.statementTimeoutMs,
      // A transaction left open by a client that vanished releases its locks.
      idle_in_transaction_session_timeout: timeouts.statementTimeoutMs * 2,
      // statement_timeout needs a server that answers; this one does not.
      query_timeout: timeouts.statementTimeoutMs + REPLY_GRACE_MS,
    }),
  });
  // An idle client losing its server (Postgres restart) must not crash the process.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  return { db, pool, url, close: () => pool.end() };
}

/**
 * Runs `fn` in one transaction on one connection. Unlike drizzle's `transaction()`, a connection
 * whose statement failed for want of a reply is closed rather than handed back to the pool, where
 * its unanswered query would hold up the next caller.
 */
export async function inTransaction<T>(database: Database, fn: (tx: Db) => Promise<T>): Promise<T> {
  const client: PoolClient = await database.pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(drizzle(client, { schema }));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (isDatabaseUnavailable(err)) broken = err as Error;
    else await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * Applies pending migrations; safe to run from several processes at once (drizzle takes a lock).
 * On a connection of its own without the statement timeout: a migration may take its time.
 */
export async function migrateDatabase(database: Database): Promise<void> {
  const pool = new Pool({ connectionString: database.url, max: 1 });
  pool.on('error', () => undefined);
  try {
    await migrate(drizzle(pool, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await pool.end();
  }
}

const UNAVAILABLE_MESSAGES = [
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Connection ended',
  'connection error',
  'not queryable',
  'Client was closed',
];
const UNAVAILABLE_ERRNOS = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'];
/** SQLSTATEs of a server that cannot serve now: too many connections, shutting down or starting, statement cancelled by timeout. */
const UNAVAILABLE_SQLSTATES = ['53300', '57P01', '57P02', '57P03', '57014'];

/**
 * True when the error says Postgres could not be reached or did not answer in time (as opposed to
 * a query that is wrong or a constraint that failed): the caller may answer 503, or wait and retry.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { message?: unknown; code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNAVAILABLE_ERRNOS.includes(code) || UNAVAILABLE_SQLSTATES.includes(code) || code.startsWith('08')) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/** How `whileDatabaseDown` waits: from `initialInterval` doubling to `maxInterval`, for at most `budget` ms in all. */
export interface DatabaseRetry {
  initialInterval: number;
  maxInterval: number;
  budget: number;
}

/**
 * Runs `fn`, and while it fails because Postgres is unavailable, runs it again (backing off)
 * until it succeeds, `retry.budget` runs out or `signal` aborts. `onWait` is called before each
 * wait (activities heartbeat there). Any other failure is thrown at once.
 */
export async function whileDatabaseDown<T>(
  retry: DatabaseRetry,
  fn: () => Promise<T>,
  opts: { onWait?: (err: unknown) => void; signal?: AbortSignal } = {},
): Promise<T> {
  const giveUpAt = Date.now() + retry.budget;
  for (let wait = retry.initialInterval; ; wait = Math.min(wait * 2, retry.maxInterval)) {
    try {
      return await fn();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() + wait > giveUpAt || opts.signal?.aborted) throw err;
      opts.onWait?.(err);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
