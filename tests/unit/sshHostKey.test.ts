/**
 * Host key pinning against a real SSH server (ssh2's own server on loopback, no Docker needed):
 * the first key is reported, the same key is accepted again, a different one is refused before
 * any password is sent.
 */
import { policies } from '../../workflows/policies';
import net from 'node:net';
import { Server, utils } from 'ssh2';
import { fingerprint, HostKeyMismatchError, SshSession } from '../../lib/ssh';

/** A host key pair in OpenSSH format; the public half is what the server presents. */
function hostKeyPair(): { privateKey: string; publicBlob: Buffer } {
  const pair = utils.generateKeyPairSync('ed25519');
  const parsed = utils.parseKey(pair.public);
  if (parsed instanceof Error) throw parsed;
  return { privateKey: pair.private, publicBlob: parsed.getPublicSSH() };
}

function startServer(hostKey: string, onPassword: (password: string) => void): Promise<{ port: number; close(): void }> {
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password') onPassword(ctx.password);
      return ctx.method === 'password' && ctx.password === 'right' ? ctx.accept() : ctx.reject(['password']);
    });
    client.on('ready', () => client.end());
    client.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, close: () => server.close() }));
  });
}

it('reports the host key, accepts it when expected, and refuses another before sending the password', async () => {
  const key = hostKeyPair();
  const passwords: string[] = [];
  const server = await startServer(key.privateKey, (p) => passwords.push(p));
  try {
    const expected = fingerprint(key.publicBlob);
    const first = await SshSession.open({ host: '127.0.0.1', port: server.port, username: 'u', password: 'right' }, { deadlineMs: policies.configure.sshConnectDeadline });
    expect(first.hostKey).toBe(expected);
    first.close();

    const again = await SshSession.open({ host: '127.0.0.1', port: server.port, username: 'u', password: 'right', expectHostKey: expected }, { deadlineMs: policies.configure.sshConnectDeadline });
    again.close();
    expect(passwords).toEqual(['right', 'right']);

    const other = fingerprint(Buffer.from('some other key'));
    await expect(
      SshSession.open({ host: '127.0.0.1', port: server.port, username: 'u', password: 'right', expectHostKey: other }, { deadlineMs: 1_000 }),
    ).rejects.toBeInstanceOf(HostKeyMismatchError);
    expect(passwords).toEqual(['right', 'right']); // the password never went to the impostor
  } finally {
    server.close();
  }
});
