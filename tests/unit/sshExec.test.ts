/**
 * SshSession.exec against a real SSH server: box output is capped (the tail kept), and a command
 * run with stdin held open sees end-of-file only when the session closes — how a box-side wait
 * learns its activity went away. A port that resets connections fails the open and nothing else.
 */
import net from 'node:net';
import { SshSession } from '../../lib/ssh';
import { hostKeyPair, startSshServer, TestSshServer } from '../support/sshServer';

let server: TestSshServer;
const stdinEnded: string[] = [];

beforeAll(async () => {
  server = await startSshServer(hostKeyPair().privateKey, {
    onExec(command, channel) {
      if (command === 'flood') {
        channel.write('x'.repeat(300_000) + '\nEND\n');
        channel.stderr.write('e'.repeat(50_000));
        channel.exit(0);
        channel.end();
      } else if (command === 'wait-for-eof') {
        channel.on('end', () => stdinEnded.push(command));
        channel.resume();
      }
    },
  });
});
afterAll(() => server.close());

const open = () => SshSession.open({ host: '127.0.0.1', port: server.port, username: 'u', password: 'right' }, { deadlineMs: 5_000 });

it('keeps only the tail of each stream past maxOutputChars, and says so', async () => {
  const ssh = await open();
  try {
    const capped = await ssh.exec('flood', { maxOutputChars: 1_000 });
    expect(capped).toMatchObject({ code: 0, truncated: true });
    expect(capped.stdout).toHaveLength(1_000);
    expect(capped.stdout.endsWith('x\nEND\n')).toBe(true);
    expect(capped.stderr).toHaveLength(1_000);
    const whole = await ssh.exec('flood');
    expect(whole.truncated).toBe(false);
    expect(whole.stdout).toHaveLength(300_005);
  } finally {
    ssh.close();
  }
});

it('with keepStdinOpen the command sees end-of-file only when the session closes', async () => {
  const ssh = await open();
  const ended = () => stdinEnded.splice(0).length;
  void ssh.exec('wait-for-eof');
  await new Promise((r) => setTimeout(r, 300));
  expect(ended()).toBe(1); // by default stdin is closed at once

  const running = ssh.exec('wait-for-eof', { keepStdinOpen: true });
  await new Promise((r) => setTimeout(r, 300));
  expect(ended()).toBe(0);
  ssh.close();
  expect((await running).code).toBe(-1);
  await new Promise((r) => setTimeout(r, 300));
  expect(ended()).toBe(1);
});

it('a port that accepts and resets (a box restarting behind its published port) fails the open, and nothing else', async () => {
  // ssh2 reports such a connection twice — the reset, then "Connection lost before handshake" —
  // and an error event nobody hears ends the whole process (the worker with every box's work).
  const resets = net.createServer((socket) => setTimeout(() => socket.resetAndDestroy(), 50));
  await new Promise<void>((resolve) => resets.listen(0, '127.0.0.1', resolve));
  const uncaught: Error[] = [];
  const record = (err: Error) => uncaught.push(err);
  process.on('uncaughtException', record);
  try {
    const { port } = resets.address() as net.AddressInfo;
    let retries = 0;
    const opening = SshSession.open({ host: '127.0.0.1', port, username: 'u', password: 'right' }, { deadlineMs: 1_500, onRetry: () => retries++ });
    await expect(opening).rejects.toThrow(/ECONNRESET|Connection lost before handshake/);
    expect(retries).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500)); // any late error event would have come by now
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', record);
    resets.close();
  }
});
