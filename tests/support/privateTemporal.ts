/**
 * A Temporal dev server of a test's own, on free ports, with its state in a file: a chaos test
 * can kill it and start it again (same file, same port) without touching the shared server the
 * other tests use. Needs the `temporal` CLI that scripts/test.sh installs.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const SEARCH_ATTRIBUTES = ['VibeBoxId', 'UserId', 'Provider', 'Region', 'VibeBoxStatus'];

export class PrivateTemporal {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly ports: { http: number; metrics: number },
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateTemporal> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vibebox-temporal-'));
    const server = new PrivateTemporal(await freePort(), { http: await freePort(), metrics: await freePort() }, dir);
    await server.up();
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) on the same port and state file; resolves once it answers. */
  async up(): Promise<void> {
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(this.port), '--http-port', String(this.ports.http)];
    args.push('--metrics-port', String(this.ports.metrics), '--headless', '--log-level', 'error', '--db-filename', path.join(this.dir, 'temporal.db'));
    for (const name of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=Keyword`);
    const child = spawn('temporal', args, { stdio: ['ignore', 'ignore', fs.openSync(path.join(this.dir, 'server.log'), 'a')] });
    this.process = child;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`temporal dev server exited (${child.exitCode}); see ${this.dir}/server.log`);
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
        try {
          await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Kills the server at once (no graceful shutdown), as a crash would. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async close(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
