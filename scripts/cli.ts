/**
 * Operator CLI (users have their own: `vibebox`, cli/main.ts).
 *   npm run admin -- create-user <email> [--admin]      creates the user (if new) and prints a new API
 *                                                       token; --admin makes the user an operator
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../lib/config';
import { connectDatabase, migrateDatabase } from '../lib/db';
import { createUserWithToken } from '../api/users';

/** The run command's embedded database, when DATABASE_URL is not set (scripts/dev.ts writes it). */
function localEnv(): Record<string, string> {
  const file = path.resolve(process.env.VIBEBOX_DATA_DIR ?? '.data', 'local.env');
  if (!fs.existsSync(file)) return {};
  return Object.fromEntries(
    fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

async function main(argv: string[]): Promise<void> {
  const [command, email, ...flags] = argv;
  const admin = flags.includes('--admin');
  if (command !== 'create-user' || !email || !/^[^@\s]+@[^@\s]+$/.test(email) || flags.some((f) => f !== '--admin')) {
    process.stderr.write('usage: npm run admin -- create-user <email> [--admin]\n');
    process.exit(2);
  }
  // This command seals nothing; the key is required by the shared config schema only.
  const config = loadConfig({ VIBEBOX_SECRET_KEY: 'unused', ...localEnv(), ...process.env });
  const database = connectDatabase(config.DATABASE_URL);
  try {
    await migrateDatabase(database);
    const { userId, token } = await createUserWithToken(database.db, email, 'cli', { admin });
    process.stdout.write(`user:  ${userId} (${email})${admin ? ' admin' : ''}\ntoken: ${token}\n`);
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
});
