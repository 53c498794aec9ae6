/** HTTP plumbing shared by the emulators: start a server, stop it without waiting on hung requests, run one standalone. */
import http from 'node:http';
import net from 'node:net';
import type { Express } from 'express';

export interface EmulatorServerOptions {
  /** 0 = a free port. */
  port?: number;
  host?: string;
  app: Express | http.RequestListener;
}

export interface EmulatorServer {
  url: string;
  port: number;
  server: http.Server;
  /** Closes the server and destroys open connections, including ones a 'hang' fault holds. */
  close(): Promise<void>;
}

export async function startEmulatorServer(opts: EmulatorServerOptions): Promise<EmulatorServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = http.createServer(opts.app as http.RequestListener);
  // Tracked by hand as well as closeAllConnections(): a hung request's socket is "active",
  // and we want it gone no matter what state Node thinks it is in.
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

/**
 * For an emulator's standalone command: starts it, closes it cleanly on Ctrl-C or SIGTERM (so its
 * containers and sockets go with it), and exits 1 with the reason if it cannot start.
 */
export function runStandalone(start: () => Promise<{ close(): Promise<void> }>): void {
  start().then(
    (emulator) => {
      const stop = () => void emulator.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err: unknown) => {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

