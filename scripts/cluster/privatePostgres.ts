/**
 * A Postgres server of the cluster's own, from the machine's Debian binaries (initdb, postgres),
 * its data under the run directory: the one a chaos test may stop, kill and restart — the
 * machine's shared Postgres is never touched. It runs as the `postgres` OS user (Postgres
 * refuses root), listens on 127.0.0.1 only, with no Unix socket, and has the superuser
 * vibebox/vibebox, the same local-only login the scripts give the shared one.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { ProcessSpec } from './process';

const run = promisify(execFile);
const USER = 'vibebox';
const PASSWORD = 'vibebox';
const PG_ROOT = '/usr/lib/postgresql';

export const privatePostgresUrl = (port: number, database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

/** The newest installed server's bin directory (Debian: /usr/lib/postgresql/<major>/bin). */
function binDir(): string {
  const majors = fs.existsSync(PG_ROOT) ? fs.readdirSync(PG_ROOT).filter((v) => fs.existsSync(path.join(PG_ROOT, v, 'bin', 'initdb'))) : [];
  if (!majors.length) throw new Error(`no Postgres server under ${PG_ROOT} (apt-get install postgresql)`);
  return path.join(PG_ROOT, majors.sort((a, b) => Number(a) - Number(b)).at(-1)!, 'bin');
}

/** initdb once: an empty data directory owned by `postgres`, password (SCRAM) logins only. */
export async function initPrivatePostgres(dataDir: string): Promise<void> {
  if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  await run('chown', ['postgres:postgres', dataDir]);
  // initdb reads the password from a file the postgres user can read; it is the documented local one.
  const pwfile = path.join(os.tmpdir(), `vibebox-initdb-${process.pid}-${Date.now()}`);
  fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    await run('runuser', ['-u', 'postgres', '--', path.join(binDir(), 'initdb'), '-D', dataDir, '-U', USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-sync']);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** `name`: the process's name in the cluster (`postgres`, or `postgres-temporal` for Temporal's own). */
export function privatePostgresProcess(name: string, dataDir: string, port: number, env: Record<string, string>): ProcessSpec {
  return {
    name,
    command: 'runuser',
    args: ['-u', 'postgres', '--', path.join(binDir(), 'postgres'), '-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    env,
    cwd: dataDir,
    ready: { kind: 'sql', url: privatePostgresUrl(port, 'postgres') },
    ports: [port],
    readyTimeoutMs: 60_000,
    // SIGINT is Postgres's fast shutdown; SIGTERM (smart) would wait for every client to leave.
    stopSignal: 'SIGINT',
    // After a kill, the old server's processes (each in a session of its own) take a moment to
    // exit; until then a new postmaster refuses the data directory and exits at once.
    startAttempts: 10,
  };
}

/** The platform's database on the private server, created if missing. */
export async function ensurePrivateDatabase(port: number, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`bad database name ${database}`);
  const admin = new Client({ connectionString: privatePostgresUrl(port, 'postgres') });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
}
