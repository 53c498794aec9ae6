/** Postgres access: one pg pool, drizzle on top, migrations from drizzle/migrations applied on start. */
import path from 'node:path';
import { drizzle, NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Pool } from 'pg';
import * as schema from '../drizzle/schema';

export type Db = NodePgDatabase<typeof schema>;

export interface Database {
  db: Db;
  pool: Pool;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.join(__dirname, '..', 'drizzle', 'migrations');

export function connectDatabase(url: string): Database {
  const pool = new Pool({ connectionString: url, max: 10 });
  // An idle client losing its server (Postgres restart) must not crash the process.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

/** Applies pending migrations; safe to run from several processes at once (drizzle takes a lock). */
export async function migrateDatabase(database: Database): Promise<void> {
  await migrate(database.db, { migrationsFolder: MIGRATIONS_FOLDER });
}
