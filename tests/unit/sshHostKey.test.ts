/**
 * Host key pinning against a real SSH server (ssh2's own server on loopback, no Docker needed):
 * the first key is reported, the same key is accepted again, a different one is refused before
 * any password is sent.
 */
import { policies } from '../../workflows/policies';
import { fingerprint, HostKeyMismatchError, SshSession } from '../../lib/ssh';
import { hostKeyPair, startSshServer } from '../support/sshServer';

it('reports the host key, accepts it when expected, and refuses another before sending the password', async () => {
  const key = hostKeyPair();
  const passwords: string[] = [];
  const server = await startSshServer(key.privateKey, { onPassword: (p) => passwords.push(p) });
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
