/**
 * The box side of pairing (activities/box/happy-pairing.mjs), run here as a plain Node program
 * against the relay emulator and the scripted phone, with a throwaway HAPPY_HOME_DIR: the same
 * file the platform installs in boxes (tests/e2e/happyPairing.test.ts runs it in a real one).
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { toBase64 } from '../../happy/crypto';
import { pairingLinks } from '../../happy/links';
import { HappyPhone } from '../../happy/phone';
import { HappyRelayHandle, RelayControlClient, startHappyRelay } from '../../happy/relay';
import { parseTags } from '../../activities/happyPairingTool';

const PROGRAM = path.join(__dirname, '../../activities/box/happy-pairing.mjs');
let relay: HappyRelayHandle;
let control: RelayControlClient;
let home: string;
/** Everything the program printed in this test: no secret may be in it. */
let printed = '';

beforeEach(async () => {
  relay = await startHappyRelay();
  control = new RelayControlClient(relay.url);
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'happy-home-'));
  printed = '';
});
afterEach(() => relay.close());

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; tags: Record<string, any>; stdout: string }>;
}

/** Starts the program; its stdin stays open (as over SSH) until the test closes it or it exits. */
function start(args: string[], serverUrl = relay.url): Run {
  const child = spawn(process.execPath, [PROGRAM, ...args], {
    // The repository stands in for happy-coder's install: tweetnacl resolves from here.
    env: { PATH: process.env.PATH, HOME: home, HAPPY_HOME_DIR: home, HAPPY_SERVER_URL: serverUrl, VIBEBOX_HAPPY_PKG: process.cwd() },
  });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (printed += d));
  const done = new Promise<{ code: number | null; tags: Record<string, any>; stdout: string }>((resolve) =>
    child.on('close', (code) => {
      printed += stdout;
      resolve({ code, tags: parseTags(stdout), stdout });
    }),
  );
  return { child, done };
}
const run = (...args: string[]) => start(args).done;

async function begin(ttlMs = 60_000): Promise<{ publicKey: string; reused: boolean; expiresAt: string }> {
  const { code, tags } = await run('begin', String(ttlMs));
  expect(code).toBe(0);
  return tags.begin;
}

const readJson = (name: string) => JSON.parse(fs.readFileSync(path.join(home, name), 'utf8'));
const mode = (name: string) => (fs.statSync(path.join(home, name)).mode & 0o777).toString(8);
const exists = (name: string) => fs.existsSync(path.join(home, name));

/** The secrets a pairing leaves in the home; none may ever be printed. */
function secretsInHome(): string[] {
  const found: string[] = [];
  if (exists('vibebox-pairing.json')) found.push(readJson('vibebox-pairing.json').secretKey);
  if (exists('access.key')) {
    const c = readJson('access.key');
    found.push(c.token, c.secret ?? c.encryption.machineKey);
  }
  return found;
}

it('V2: begin registers the key, the phone approves, wait writes access.key 0600 as happy-coder reads it', async () => {
  const phone = new HappyPhone(relay.url);
  const { publicKey, reused } = await begin();
  expect(reused).toBe(false);
  expect(mode('vibebox-pairing.json')).toBe('600');
  const pendingSecrets = secretsInHome();
  expect(await control.authRequests()).toEqual([expect.objectContaining({ publicKey, supportsV2: true, state: 'pending' })]);

  const waiting = start(['wait', publicKey]);
  expect(await phone.approve(pairingLinks(publicKey).link)).toEqual({ outcome: 'approved', version: 2 });
  const { code, tags } = await waiting.done;
  expect(code).toBe(0);
  expect(tags.outcome).toEqual({ outcome: 'paired', credentials: 'v2' });

  expect(mode('access.key')).toBe('600');
  const credentials = readJson('access.key');
  expect(Object.keys(credentials).sort()).toEqual(['encryption', 'token']);
  expect(credentials.encryption.publicKey).toBe(toBase64(phone.content.publicKey));
  expect(Buffer.from(credentials.encryption.machineKey, 'base64')).toHaveLength(32);
  expect(exists('vibebox-pairing.json')).toBe(false); // the pairing key is spent
  // The token is the relay's: it opens the account's machine list.
  const machines = await fetch(`${relay.url}/v1/machines`, { headers: { authorization: `Bearer ${credentials.token}` } });
  expect(machines.status).toBe(200);

  expect((await run('status')).tags.status).toMatchObject({ credentials: 'v2', accessKeyMode: '600', pending: null });
  expect((await run('begin', '60000')).tags.begin).toEqual({ alreadyPaired: true });
  for (const secret of [...pendingSecrets, ...secretsInHome()]) expect(printed).not.toContain(secret);
});

it('V1: an answer holding the master secret is written as {secret, token}', async () => {
  const phone = new HappyPhone(relay.url);
  const { publicKey } = await begin();
  const waiting = start(['wait', publicKey]);
  expect(await phone.approve(publicKey, { version: 1 })).toEqual({ outcome: 'approved', version: 1 });
  expect((await waiting.done).tags.outcome).toEqual({ outcome: 'paired', credentials: 'v1' });
  const credentials = readJson('access.key');
  expect(Object.keys(credentials).sort()).toEqual(['secret', 'token']);
  expect(credentials.secret).toBe(toBase64(phone.seed));
  for (const secret of secretsInHome()) expect(printed).not.toContain(secret);
});

it('an unexpired pairing is kept (its expiry moved); an expired one ends the wait and is replaced', async () => {
  const first = await begin(60_000);
  const again = await begin(120_000);
  expect(again).toMatchObject({ publicKey: first.publicKey, reused: true });
  expect(Date.parse(again.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));

  const short = await begin(1); // keeps the key, lapses at once
  expect(short.publicKey).toBe(first.publicKey);
  await new Promise((r) => setTimeout(r, 20));
  expect((await run('wait', short.publicKey)).tags.outcome).toEqual({ outcome: 'expired' });
  expect(exists('vibebox-pairing.json')).toBe(false);
  const renewed = await begin(60_000);
  expect(renewed).toMatchObject({ reused: false });
  expect(renewed.publicKey).not.toBe(first.publicKey);
  expect((await run('wait', first.publicKey)).tags.outcome).toEqual({ outcome: 'superseded' });
});

it('a renewal during a wait keeps its key and moves its expiry; an unpair during a wait ends it as missing', async () => {
  const short = await begin(4_000);
  const waiting = start(['wait', short.publicKey]);
  await new Promise((r) => setTimeout(r, 1_500));
  expect(await begin(60_000)).toMatchObject({ publicKey: short.publicKey, reused: true });
  await new Promise((r) => setTimeout(r, 4_000)); // past the first expiry: the wait goes on
  await new HappyPhone(relay.url).approve(short.publicKey);
  expect((await waiting.done).tags.outcome).toMatchObject({ outcome: 'paired' });

  expect((await run('forget')).tags.forgot.removed).toContain('access.key');
  const next = await begin();
  const cut = start(['wait', next.publicKey]);
  await new Promise((r) => setTimeout(r, 1_500));
  expect((await run('forget')).tags.forgot.removed).toEqual(['pairing']);
  expect((await cut.done).tags.outcome).toEqual({ outcome: 'missing' });
});

it('two waiters for one answer write access.key once', async () => {
  const { publicKey } = await begin();
  const waiters = [start(['wait', publicKey]), start(['wait', publicKey])];
  await new Promise((r) => setTimeout(r, 1_500));
  await new HappyPhone(relay.url).approve(publicKey);
  const outcomes = await Promise.all(waiters.map(async (w) => (await w.done).tags.outcome));
  expect(outcomes).toEqual(expect.arrayContaining([{ outcome: 'paired', credentials: 'v2' }, { outcome: 'paired', credentials: 'v2', already: true }]));
  expect(exists('vibebox-pairing.lock')).toBe(false);
});

it('a lock left by a step that died is taken over', async () => {
  fs.mkdirSync(path.join(home, 'vibebox-pairing.lock'));
  fs.writeFileSync(path.join(home, 'vibebox-pairing.lock', 'pid'), '999999'); // no such process
  expect((await begin()).publicKey).toEqual(expect.any(String));
  expect(exists('vibebox-pairing.lock')).toBe(false);
});

it('a wrong answer is refused and spends the key; nothing is written', async () => {
  const { publicKey } = await begin();
  await new HappyPhone(relay.url).respond(publicKey, toBase64(randomBytes(120)));
  expect((await run('wait', publicKey)).tags.outcome).toEqual({ outcome: 'refused', reason: expect.any(String) });
  expect(exists('access.key')).toBe(false);
  expect(exists('vibebox-pairing.json')).toBe(false);
});

it('an answer replayed from another pairing is refused', async () => {
  const phone = new HappyPhone(relay.url);
  // Pairing A, approved honestly. Its answer is on the relay for anyone who knows A's public key.
  const a = await begin();
  await phone.approve(a.publicKey);
  const stolen = await fetch(`${relay.url}/v1/auth/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ publicKey: a.publicKey }),
  }).then((r) => r.json() as Promise<{ state: string; response: string }>);
  expect(stolen.state).toBe('authorized');
  fs.rmSync(path.join(home, 'vibebox-pairing.json')); // A abandoned; B is this box's pairing now

  const b = await begin();
  await phone.respond(b.publicKey, stolen.response);
  expect((await run('wait', b.publicKey)).tags.outcome).toMatchObject({ outcome: 'refused' });
  expect(exists('access.key')).toBe(false);
});

it('wait rides out relay failures, and stops when its stdin closes (the activity went away)', async () => {
  const { publicKey } = await begin();
  await control.injectFault({ action: 'auth-request', kind: 'http5xx', status: 502, times: 2 });
  const waiting = start(['wait', publicKey]);
  await new Promise((r) => setTimeout(r, 2_500)); // two failed polls, backing off
  await new HappyPhone(relay.url).approve(publicKey);
  const result = await waiting.done;
  expect(result.stdout).toMatch(/::poll \{"polls":1,"relay":502\}/);
  expect(result.tags.outcome).toMatchObject({ outcome: 'paired' });

  fs.rmSync(path.join(home, 'access.key'));
  const next = await begin();
  const cut = start(['wait', next.publicKey]);
  await new Promise((r) => setTimeout(r, 1_500));
  cut.child.stdin!.end();
  const ended = await cut.done;
  expect(ended.code).toBe(0);
  expect(ended.tags.outcome).toBeUndefined();
  expect((await run('status')).tags.status.pending).toMatchObject({ publicKey: next.publicKey, expired: false }); // kept for a retry
});

it('begin reports an unreachable relay as an error line, not a crash', async () => {
  const { code, tags } = await start(['begin', '60000'], 'http://127.0.0.1:9').done;
  expect(code).toBe(3);
  expect(tags.error).toMatchObject({ code: 'relay-unreachable' });
});

it('forget removes the credentials, the pending key and the machine id, and keeps other settings', async () => {
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ onboardingCompleted: true, machineId: 'm-1' }));
  fs.writeFileSync(path.join(home, 'access.key'), JSON.stringify({ token: 't', secret: 'AA==' }));
  expect((await run('status')).tags.status).toMatchObject({ credentials: 'v1', machineId: 'm-1' });
  expect((await run('forget')).tags.forgot).toEqual({ removed: ['access.key', 'machineId'] });
  expect(readJson('settings.json')).toEqual({ onboardingCompleted: true });
  expect((await run('status')).tags.status).toMatchObject({ credentials: null, machineId: null, pending: null, daemon: { running: false } });
});
