/**
 * Operator CLI (users have their own: `vibebox`, cli/main.ts).
 *   npm run admin -- create-user <email> [--admin]   creates the user (if new) and prints a new API
 *                                                     token; --admin makes the user an operator
 *   npm run admin -- reproject <vibeboxId>           rewrites the box's Postgres row from its
 *                                                     workflow's state (re-creating a missing row)
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../lib/config';
import { connectDatabase, migrateDatabase } from '../lib/db';
import { createUserWithToken } from '../api/users';
import { connectTemporal } from '../api/temporalClient';
import { reprojectSignal, workflowIdFor } from '../workflows/definitions';

const USAGE = 'usage: npm run admin -- create-user <email> [--admin]\n       npm run admin -- reproject <vibeboxId>\n';

/** The run command's embedded database, when DATABASE_URL is not set (scripts/dev.ts writes it). */
function localEnv(): Record<string, string> {
  const file = path.resolve(process.env.VIBEBOX_DATA_DIR ?? '.data', 'local.env');
  if (!fs.existsSync(file)) return {};
  return Object.fromEntries(
    fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

async function main(argv: string[]): Promise<void> {
  const [command, arg, ...flags] = argv;
  // Neither command seals anything; the key is required by the shared config schema only.
  const config = () => loadConfig({ VIBEBOX_SECRET_KEY: 'unused', ...localEnv(), ...process.env });
  if (command === 'create-user' && arg && /^[^@\s]+@[^@\s]+$/.test(arg) && flags.every((f) => f === '--admin')) {
    return createUser(config(), arg, flags.includes('--admin'));
  }
  if (command === 'reproject' && arg && /^vb-[a-z0-9]{10}$/.test(arg) && flags.length === 0) return reproject(config(), arg);
  process.stderr.write(USAGE);
  process.exit(2);
}

async function createUser(config: ReturnType<typeof loadConfig>, email: string, admin: boolean): Promise<void> {
  const database = connectDatabase(config.DATABASE_URL);
  try {
    await migrateDatabase(database);
    const { userId, token } = await createUserWithToken(database.db, email, 'cli', { admin });
    process.stdout.write(`user:  ${userId} (${email})${admin ? ' admin' : ''}\ntoken: ${token}\n`);
  } finally {
    await database.close();
  }
}

/** The workflow is the truth: it writes its own state again (under a new sequence number). */
async function reproject(config: ReturnType<typeof loadConfig>, vibeboxId: string): Promise<void> {
  const { client, connection } = await connectTemporal(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  try {
    await client.workflow.getHandle(workflowIdFor(vibeboxId)).signal(reprojectSignal);
    process.stdout.write(`asked ${workflowIdFor(vibeboxId)} to write its state to Postgres again\n`);
  } finally {
    await connection.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
});
