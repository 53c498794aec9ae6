/** A real SSH server for unit tests (ssh2's own, on loopback, no Docker): password auth and exec. */
import net from 'node:net';
import { Server, ServerChannel, utils } from 'ssh2';

/**
 * A host key pair in OpenSSH format; the public half is what the server presents. ssh2's
 * generator now and then (about 1 in 250) writes an Ed25519 public key whose leading zero byte
 * went missing, which its own parser then refuses: such a pair is drawn again.
 */
export function hostKeyPair(): { privateKey: string; publicBlob: Buffer } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    const parsed = utils.parseKey(pair.public);
    if (!(parsed instanceof Error)) return { privateKey: pair.private, publicBlob: parsed.getPublicSSH() };
  }
}

export interface TestSshServer {
  port: number;
  close(): void;
}

/** Accepts the password 'right'; `onExec` serves each command on its channel. */
export function startSshServer(
  hostKey: string,
  opts: { onPassword?: (password: string) => void; onExec?: (command: string, channel: ServerChannel) => void } = {},
): Promise<TestSshServer> {
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password') opts.onPassword?.(ctx.password);
      return ctx.method === 'password' && ctx.password === 'right' ? ctx.accept() : ctx.reject(['password']);
    });
    client.on('ready', () => {
      if (!opts.onExec) return client.end();
      client.on('session', (accept) => accept().on('exec', (acceptExec, _reject, info) => opts.onExec!(info.command, acceptExec())));
    });
    client.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, close: () => server.close() }));
  });
}
