/**
 * What the Happy pairing tests share for their secrets sweep: a root shell into a box (the test's
 * own eyes, as the box's owner has them), the box's Happy secrets read out of it in every
 * encoding a leak might take, the platform's output captured, and Postgres as text.
 */
import { fromBase64 } from '../../happy/crypto';
import { SshSession } from '../../lib/ssh';
import { policies } from '../../workflows/policies';
import type { TestPlatform } from './platform';

export interface BoxLogin {
  host: string;
  port: number;
  password: string;
}

/** Runs `command` as root in the box; fails the test when it fails. */
export async function inBox(login: BoxLogin, command: string): Promise<string> {
  const ssh = await SshSession.open({ host: login.host, port: login.port, username: 'root', password: login.password }, { deadlineMs: policies.configure.sshConnectDeadline });
  try {
    const r = await ssh.exec(command);
    if (r.code !== 0) throw new Error(`box command failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  } finally {
    ssh.close();
  }
}

/** Key material and tokens the test has seen; none may show up anywhere else. */
export class SecretSet {
  readonly values = new Set<string>();

  /** A token as is; key bytes (base64) also as hex and base64url. */
  add(value: string, kind: 'token' | 'key' = 'token'): void {
    this.values.add(value);
    if (kind === 'key') {
      const bytes = fromBase64(value);
      this.values.add(Buffer.from(bytes).toString('hex'));
      this.values.add(Buffer.from(bytes).toString('base64url'));
    }
  }

  /** The box's pending pairing key and its credentials, as they are right now. */
  async collectFromBox(login: BoxLogin, happyHome = '/home/vibe/.happy'): Promise<void> {
    const text = await inBox(login, `cat ${happyHome}/vibebox-pairing.json ${happyHome}/access.key 2>/dev/null || true`);
    for (const m of text.matchAll(/"(secretKey|secret|machineKey|token)":\s*"([^"]+)"/g)) this.add(m[2], m[1] === 'token' ? 'token' : 'key');
  }
}

/** Everything the process prints from now on (the platform logs JSON lines), kept instead of shown. */
export function captureOutput(): { text(): string; restore(): void } {
  let captured = '';
  const real = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const capture = ((chunk: string | Uint8Array) => ((captured += String(chunk)), true)) as typeof process.stderr.write;
  process.stderr.write = capture;
  process.stdout.write = capture;
  return {
    text: () => captured,
    restore() {
      process.stderr.write = real.err;
      process.stdout.write = real.out;
    },
  };
}

/** Every row of every table, as JSON text. */
export async function databaseText(p: TestPlatform): Promise<string> {
  const tables = await p.database.pool.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
  let rows = '';
  for (const { table_name } of tables.rows) {
    const dump = await p.database.pool.query(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
    rows += dump.rows.map((r) => r.row).join('\n') + '\n';
  }
  return rows;
}
