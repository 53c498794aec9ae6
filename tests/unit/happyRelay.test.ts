/**
 * The Happy relay emulator over real HTTP and socket.io, driven by the scripted phone and by a
 * terminal/daemon written from happy-coder 0.13.0's own calls (axios bodies and the socket.io
 * client options of its ApiMachineClient).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { io as connectSocket, Socket } from 'socket.io-client';
import { encryptWithDataKey, openTerminalBundle, sealForTerminal, toBase64 } from '../../happy/crypto';
import { pairingLinks } from '../../happy/links';
import { HappyPhone } from '../../happy/phone';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HappyRelayHandle, RelayControlClient, startHappyRelay } from '../../happy/relay';
import { startLocalHappyRelay } from '../../happy/relay/local';

let relay: HappyRelayHandle;
let control: RelayControlClient;

beforeEach(async () => {
  relay = await startHappyRelay();
  control = new RelayControlClient(relay.url);
});
afterEach(() => relay.close());

async function http(method: string, p: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(relay.url + p, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The terminal side as happy-coder does it: a box key pair, then POST /v1/auth/request. */
function terminal() {
  const keys = nacl.box.keyPair.fromSecretKey(new Uint8Array(randomBytes(32)));
  const publicKey = toBase64(keys.publicKey);
  return { keys, publicKey, poll: () => http('POST', '/v1/auth/request', { publicKey, supportsV2: true }) };
}

/** A paired terminal: its token, and the phone that approved it (V2). */
async function pairedTerminal(phone = new HappyPhone(relay.url)) {
  const t = terminal();
  await t.poll();
  await phone.approve(pairingLinks(t.publicKey).link);
  const answer = (await t.poll()).body;
  return { ...t, phone, token: answer.token as string, response: answer.response as string };
}

describe('terminal pairing', () => {
  it('requested → the phone approves V2 → authorized with a token and an answer only the terminal opens', async () => {
    const phone = new HappyPhone(relay.url);
    const t = terminal();
    expect(await t.poll()).toEqual({ status: 200, body: { state: 'requested' } });
    expect(await t.poll()).toEqual({ status: 200, body: { state: 'requested' } }); // polling does not change it
    expect((await http('GET', `/v1/auth/request/status?publicKey=${encodeURIComponent(t.publicKey)}`)).body).toEqual({ status: 'pending', supportsV2: true });
    expect(await control.authRequests()).toEqual([expect.objectContaining({ publicKey: t.publicKey, supportsV2: true, state: 'pending' })]);

    expect(await phone.approve(pairingLinks(t.publicKey).link)).toEqual({ outcome: 'approved', version: 2 });
    const first = await t.poll();
    expect(first.body).toEqual({ state: 'authorized', token: expect.any(String), response: expect.any(String) });
    const plain = openTerminalBundle(new Uint8Array(Buffer.from(first.body.response, 'base64')), t.keys.secretKey)!;
    expect(Buffer.from(plain).toString('hex')).toBe('00' + Buffer.from(phone.content.publicKey).toString('hex'));
    // Every poll after approval gets a fresh token for the same account; the status says authorized.
    const second = await t.poll();
    expect(second.body.token).not.toBe(first.body.token);
    expect(second.body.response).toBe(first.body.response);
    expect((await http('GET', `/v1/auth/request/status?publicKey=${encodeURIComponent(t.publicKey)}`)).body).toEqual({ status: 'authorized', supportsV2: false });
    expect(await phone.approve(t.publicKey)).toEqual({ outcome: 'already-authorized' });
  });

  it('the phone answers V1 (the master secret) to a terminal that does not say it supports V2', async () => {
    const phone = new HappyPhone(relay.url);
    const keys = nacl.box.keyPair();
    const publicKey = toBase64(keys.publicKey);
    await http('POST', '/v1/auth/request', { publicKey }); // supportsV2 absent, as before the V2 CLI
    expect(await phone.approve(publicKey)).toEqual({ outcome: 'approved', version: 1 });
    const { body } = await http('POST', '/v1/auth/request', { publicKey });
    expect(Buffer.from(openTerminalBundle(new Uint8Array(Buffer.from(body.response, 'base64')), keys.secretKey)!)).toEqual(Buffer.from(phone.seed));
  });

  it('the first answer sticks: a second or replayed answer is acknowledged and ignored', async () => {
    const p = await pairedTerminal();
    const intruder = new HappyPhone(relay.url);
    const replay = toBase64(sealForTerminal(new Uint8Array(32), p.keys.publicKey));
    await intruder.respond(p.publicKey, replay); // {success: true}, as upstream
    expect((await p.poll()).body.response).toBe(p.response);
  });

  it('refuses what the server refuses, with its bodies', async () => {
    expect(await http('POST', '/v1/auth/request', { publicKey: toBase64(new Uint8Array(31)) })).toEqual({ status: 401, body: { error: 'Invalid public key' } });
    const missing = await http('POST', '/v1/auth/request', {});
    expect(missing).toMatchObject({ status: 400, body: { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request' } });
    expect(missing.body.message).toContain('body/publicKey');
    expect(await http('POST', '/v1/auth/request', '{nope')).toMatchObject({ status: 400, body: { statusCode: 400, error: 'Bad Request' } });
    expect((await http('GET', `/v1/auth/request/status?publicKey=${encodeURIComponent(terminal().publicKey)}`)).body).toEqual({ status: 'not_found', supportsV2: false });

    const t = terminal();
    await t.poll();
    expect(await http('POST', '/v1/auth/response', { publicKey: t.publicKey, response: 'AA==' })).toEqual({ status: 401, body: { error: 'Missing authorization header' } });
    expect(await http('POST', '/v1/auth/response', { publicKey: t.publicKey, response: 'AA==' }, 'forged.token')).toEqual({ status: 401, body: { error: 'Invalid token' } });
    const token = await new HappyPhone(relay.url).signIn();
    expect(await http('POST', '/v1/auth/response', { publicKey: terminal().publicKey, response: 'AA==' }, token)).toEqual({ status: 404, body: { error: 'Request not found' } });

    const signed = await http('POST', '/v1/auth', { publicKey: toBase64(nacl.sign.keyPair().publicKey), challenge: 'AAAA', signature: toBase64(new Uint8Array(64)) });
    expect(signed).toEqual({ status: 401, body: { error: 'Invalid signature' } });
    expect(await http('GET', '/v1/nothing')).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: 'Route GET:/v1/nothing not found' } });
  });

  it('one seed is one account however often it signs in', async () => {
    const seed = new Uint8Array(randomBytes(32));
    await new HappyPhone(relay.url, seed).signIn();
    await new HappyPhone(relay.url, seed).signIn();
    expect(await control.accounts()).toHaveLength(1);
  });

  it('an expired request is gone for the phone; the terminal’s next poll makes it pending again', async () => {
    const t = terminal();
    await t.poll();
    expect(await control.expireAuthRequests(t.publicKey)).toBe(1);
    expect(await new HappyPhone(relay.url).approve(t.publicKey)).toEqual({ outcome: 'not-found' });
    await t.poll();
    expect(await control.authRequests()).toEqual([expect.objectContaining({ publicKey: t.publicKey, state: 'pending' })]);
  });
});

describe('machines and the updates channel', () => {
  const sockets: Socket[] = [];
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));

  /** happy-coder's ApiMachineClient.connect options. */
  function daemonSocket(token: string, machineId: string): Socket {
    const socket = connectSocket(relay.url.replace(/^http/, 'ws'), {
      transports: ['websocket'],
      auth: { token, clientType: 'machine-scoped', machineId },
      path: '/v1/updates',
      reconnection: false,
    });
    sockets.push(socket);
    return socket;
  }
  const connected = (s: Socket) => new Promise<void>((resolve, reject) => (s.once('connect', resolve), s.once('connect_error', reject)));

  /** getOrCreateMachine as the CLI sends it for V2 credentials. */
  async function registerMachine(p: Awaited<ReturnType<typeof pairedTerminal>>, id: string) {
    const machineKey = new Uint8Array(randomBytes(32));
    const dataEncryptionKey = toBase64(new Uint8Array([0, ...sealForTerminal(machineKey, p.phone.content.publicKey)]));
    const res = await http(
      'POST',
      '/v1/machines',
      { id, metadata: toBase64(encryptWithDataKey({ host: 'box' }, machineKey)), daemonState: toBase64(encryptWithDataKey({ status: 'offline' }, machineKey)), dataEncryptionKey },
      p.token,
    );
    return { res, machineKey };
  }

  it('a daemon registers its machine, connects, reports running; the phone reads it back decrypted', async () => {
    const p = await pairedTerminal();
    const { res, machineKey } = await registerMachine(p, 'machine-1');
    expect(res.status).toBe(200);
    expect(res.body.machine).toMatchObject({ id: 'machine-1', metadataVersion: 1, daemonStateVersion: 1, active: false });
    expect((await registerMachine(p, 'machine-1')).res.body.machine.id).toBe('machine-1'); // found, not duplicated

    const socket = daemonSocket(p.token, 'machine-1');
    await connected(socket);
    expect(await control.machines()).toEqual([expect.objectContaining({ id: 'machine-1', connections: 1, connects: 1, active: false })]);
    const update = await socket.emitWithAck('machine-update-state', {
      machineId: 'machine-1',
      daemonState: toBase64(encryptWithDataKey({ status: 'running', pid: 7 }, machineKey)),
      expectedVersion: 1,
    });
    expect(update).toMatchObject({ result: 'success', version: 2 });
    const stale = await socket.emitWithAck('machine-update-state', { machineId: 'machine-1', daemonState: 'AA==', expectedVersion: 1 });
    expect(stale).toMatchObject({ result: 'version-mismatch', version: 2 });
    expect(await socket.emitWithAck('ping')).toEqual({});

    expect(await p.phone.machines()).toEqual([expect.objectContaining({ id: 'machine-1', active: true, metadata: { host: 'box' }, daemonState: { status: 'running', pid: 7 } })]);
    socket.close();
    await eventuallyTrue(async () => (await control.machines())[0].connections === 0);
  });

  it('refuses a socket without a valid token, and another account’s machine id', async () => {
    const bad = daemonSocket('forged.token', 'm');
    await expect(connected(bad)).rejects.toThrow('Invalid authentication token');
    const p = await pairedTerminal();
    expect((await registerMachine(p, 'taken')).res.status).toBe(200);
    const other = await pairedTerminal();
    expect((await registerMachine(other, 'taken')).res).toMatchObject({ status: 500, body: { statusCode: 500 } });
    expect((await http('GET', '/v1/machines/taken', undefined, other.token)).status).toBe(404);
  });
});

describe('faults and restarts', () => {
  it('answers injected 5xx, 429 and hangs, per action, until used up', async () => {
    const t = terminal();
    await control.injectFault({ action: 'auth-request', kind: 'http5xx', status: 503, times: 2 });
    expect(await t.poll()).toMatchObject({ status: 503, body: { statusCode: 503, error: 'Service Unavailable' } });
    expect((await t.poll()).status).toBe(503);
    expect((await t.poll()).status).toBe(200);
    await control.injectFault({ action: 'auth-request', kind: 'throttle', retryAfterSeconds: 2 });
    expect((await t.poll()).status).toBe(429);
    await control.injectFault({ action: 'auth-request', kind: 'hang' });
    await expect(fetch(relay.url + '/v1/auth/request', { method: 'POST', signal: AbortSignal.timeout(500) })).rejects.toThrow();
    expect((await t.poll()).status).toBe(200);
    await expect(control.injectFault({ action: 'no-such-action' as never, kind: 'hang' })).rejects.toThrow(/HTTP 400/);
  });

  it('a relay restarted on its state file still honours the tokens it gave', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-'));
    const stateFile = path.join(dir, 'state.json');
    await relay.close();
    relay = await startHappyRelay({ stateFile });
    const p = await pairedTerminal();
    await relay.close();
    relay = await startHappyRelay({ stateFile });
    expect((fs.statSync(stateFile).mode & 0o777).toString(8)).toBe('600');
    expect(await http('GET', '/v1/machines', undefined, p.token)).toEqual({ status: 200, body: [] });
    expect((await p.poll()).body.state).toBe('authorized');
  });
});

describe('local mode and the phone’s command line', () => {
  it('the run command starts a relay only when no HAPPY_SERVER_URL is set, with its state under the data directory', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vibebox-data-'));
    expect((await startLocalHappyRelay({ HAPPY_SERVER_URL: 'https://relay.example' }, dataDir)).env).toEqual({});
    expect((await startLocalHappyRelay({ HAPPY_RELAY_EMULATOR: 'false' }, dataDir)).env).toEqual({});
    const local = await startLocalHappyRelay({ DOCKER_ENABLED: 'false', HAPPY_RELAY_PORT: '0' }, dataDir);
    try {
      expect(local.env.HAPPY_SERVER_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await new HappyPhone(local.url!).signIn();
      expect(fs.existsSync(path.join(dataDir, 'happy-relay.json'))).toBe(true);
    } finally {
      await local.close();
    }
  });

  it('approves a link and lists the account’s machines from a shell', async () => {
    const t = terminal();
    await t.poll();
    const cli = (...args: string[]) => promisify(execFile)('npx', ['tsx', 'happy/phone.ts', ...args, '--server', relay.url]);
    const approved = await cli('approve', pairingLinks(t.publicKey).link);
    expect(approved.stdout).toMatch(/approved \(V2\)/);
    const seed = /account seed[^:]*: (\S+)/.exec(approved.stdout)![1];
    expect((await t.poll()).body.state).toBe('authorized');
    expect(JSON.parse((await cli('machines', '--seed', seed)).stdout)).toEqual([]);
    await expect(cli('approve', pairingLinks(t.publicKey).link, '--seed', seed)).rejects.toMatchObject({ stdout: expect.stringContaining('already-authorized') });
  });
});

async function eventuallyTrue(probe: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 50));
  }
}
