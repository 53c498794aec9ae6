/**
 * The API process stops gracefully (a rolling restart cuts no request): on SIGTERM it stops
 * taking connections, still answers the request in flight, and exits 0. Run as its own OS
 * process (`node --import tsx api/server.ts`), as scripts/cluster runs it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createUserWithToken } from '../../api/users';
import { connectDatabase } from '../../lib/db';
import { requireEnv } from '../support/platform';

let api: ChildProcess;
let exited: Promise<number | null>;
let log = '';

/** Starts the API on a free port and returns its address once it listens. */
async function startApiProcess(): Promise<{ host: string; port: number }> {
  api = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  exited = new Promise((resolve) => api.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    api.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const url = /"url":"http:\/\/([\d.]+):(\d+)"/.exec(log);
      if (url) resolve({ host: url[1], port: Number(url[2]) });
    });
    void exited.then((code) => reject(new Error(`api exited (${code}) before listening:\n${log}`)));
  });
}

/** What a raw connection has received so far, and whether it is closed. */
interface Received {
  data: string;
  closed: boolean;
}

function watch(socket: net.Socket): Received {
  const so: Received = { data: '', closed: false };
  socket.on('data', (chunk: Buffer) => void (so.data += chunk.toString()));
  socket.once('close', () => void (so.closed = true));
  return so;
}

/** Resolves once `text` has arrived on the socket; fails if the connection closes first. */
async function received(so: Received, text: string): Promise<string> {
  for (;;) {
    if (so.data.includes(text)) return so.data;
    if (so.closed) throw new Error(`connection closed before "${text}"; got: ${JSON.stringify(so.data)}; api log:\n${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterAll(() => {
  if (api && api.exitCode === null) api.kill('SIGKILL');
});

it('on SIGTERM answers the request in flight, refuses new connections and exits 0', async () => {
  const database = connectDatabase(requireEnv('DATABASE_URL'));
  const { token } = await createUserWithToken(database.db, `shutdown-${Date.now()}@test.vibebox`).finally(() => database.close());
  const { host, port } = await startApiProcess();

  // A request whose headers the server has taken (it answers 100 Continue) and whose body is not sent yet.
  const body = JSON.stringify({ planId: 42 });
  const socket = net.connect({ host, port });
  const so = watch(socket);
  socket.write(
    [
      'POST /api/vibeboxes HTTP/1.1',
      `Host: ${host}:${port}`,
      `Authorization: Bearer ${token}`,
      'Content-Type: application/json',
      `Content-Length: ${body.length}`,
      'Expect: 100-continue',
      '',
      '',
    ].join('\r\n'),
  );
  await received(so, '100 Continue');

  api.kill('SIGTERM');
  // It stops listening: a new connection is refused.
  await expect(
    (async () => {
      for (;;) {
        const refused = await new Promise<boolean>((resolve) => {
          const probe = net.connect({ host, port });
          probe.once('connect', () => (probe.destroy(), resolve(false)));
          probe.once('error', () => resolve(true));
        });
        if (refused) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
    })(),
  ).resolves.toBe(true);

  // The request in flight still gets its whole answer (here: a validation error), then the connection closes.
  socket.write(body);
  const response = await received(so, '"code":"invalid_request"');
  expect(response).toMatch(/HTTP\/1\.1 400 Bad Request/);
  expect(response).toMatch(/connection: close/i);
  expect(await exited).toBe(0);
  expect(log).toContain('api stopped');
}, 2 * 60_000);
