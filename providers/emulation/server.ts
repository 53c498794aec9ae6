/** HTTP plumbing shared by the cloud emulators: start a server, and stop it without waiting on hung requests. */
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
