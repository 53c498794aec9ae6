/**
 * `vibebox ssh <id> [-- command…]`: logs in to an active box with the password the API gave at
 * create (kept by the CLI) and the host key the API pinned at configure — a box presenting any
 * other key is refused before the password is sent. With a command, runs it and exits with its
 * code; without, an interactive shell on the caller's terminal.
 */
import type { VibeBox } from '../api/schemas';
import { HostKeyMismatchError, SshSession } from '../lib/ssh';
import { CliError, EXIT } from './exitCodes';

/** A fresh box's sshd may take a moment; a box that does not answer in this long is not there. */
const CONNECT_DEADLINE_MS = 20_000;

export async function sshToBox(box: VibeBox, password: string, command: string[], warn: (line: string) => void): Promise<number> {
  if (box.status !== 'active' || !box.ipAddress || !box.sshPort) {
    throw new CliError(EXIT.refused, `${box.id} is ${box.status}; ssh needs an active box`);
  }
  if (!box.sshHostKeyFingerprint) warn(`warning: the API has no host key pinned for ${box.id}; trusting the key the box presents`);
  let session: SshSession;
  try {
    session = await SshSession.open(
      { host: box.ipAddress, port: box.sshPort, username: box.sshUser ?? 'root', password, expectHostKey: box.sshHostKeyFingerprint ?? undefined },
      { deadlineMs: CONNECT_DEADLINE_MS },
    );
  } catch (err) {
    if (err instanceof HostKeyMismatchError) {
      throw new CliError(EXIT.hostKeyMismatch, `refusing to log in to ${box.id}: its host key is ${err.actual}, the API pinned ${err.expected}`);
    }
    if ((err as { level?: string }).level === 'client-authentication') throw new CliError(EXIT.auth, `the box refused the password for ${box.sshUser ?? 'root'}`);
    throw new CliError(EXIT.unavailable, `cannot reach ${box.id} at ${box.ipAddress}:${box.sshPort}: ${(err as Error).message}`);
  }
  try {
    if (command.length) {
      const result = await session.exec(command.join(' '), { onOutput: (chunk) => process.stdout.write(chunk) });
      return result.code;
    }
    if (!process.stdin.isTTY) throw new CliError(EXIT.usage, 'no terminal: give a command after --, e.g. vibebox ssh <id> -- uptime');
    return await interactive(session);
  } finally {
    session.close();
  }
}

/** The caller's terminal, raw, wired to a shell on the box until the shell exits. */
async function interactive(session: SshSession): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const shell = await session.shell({ rows: stdout.rows ?? 24, cols: stdout.columns ?? 80, term: process.env.TERM });
  const resize = () => shell.setWindow(stdout.rows ?? 24, stdout.columns ?? 80, 0, 0);
  stdout.on('resize', resize);
  stdin.setRawMode(true);
  stdin.pipe(shell);
  shell.pipe(stdout);
  shell.stderr.pipe(process.stderr);
  try {
    return await new Promise<number>((resolve) => shell.on('close', (code: number | null) => resolve(code ?? 0)));
  } finally {
    stdout.off('resize', resize);
    stdin.unpipe(shell);
    stdin.setRawMode(false);
    stdin.pause();
  }
}
