/**
 * Happy pairing in a real box: the real platform provisions a Docker box (real sshd, the real
 * happy-coder installed by configureHappy) with HAPPY_SERVER_URL pointing at the relay emulator
 * on the Docker bridge; the pairing activities then run in Temporal's activity test environment
 * (heartbeats and cancellation as a worker would see them) and the scripted phone approves as the
 * Happy app does. From unpaired to a daemon online at the relay, with no terminal anywhere.
 */
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHappyPairingActivities, HappyPairingStart } from '../../activities/happyPairing';
import type { BoxAddress } from '../../activities/boxSession';
import nacl from 'tweetnacl';
import { pairingAnswer, sealForTerminal, toBase64 } from '../../happy/crypto';
import { publicKeyFromLink } from '../../happy/links';
import { HappyPhone } from '../../happy/phone';
import { dockerBridgeAddress, HappyRelayHandle, RelayControlClient, startHappyRelay } from '../../happy/relay';
import { happySettingsFrom } from '../../activities/happySettings';
import { SecretBox } from '../../lib/secretBox';
import { deleteUpdate, restartUpdate } from '../../workflows/definitions';
import { policies } from '../../workflows/policies';
import { historyText, StartedBox, startBox } from '../support/boxes';
import { captureOutput, databaseText, inBox as inBoxAs, SecretSet } from '../support/happySecrets';
import { eventually, startPlatform, TestPlatform } from '../support/platform';

let relay: HappyRelayHandle;
let control: RelayControlClient;
let p: TestPlatform;
let box: StartedBox;
let address: BoxAddress;
let acts: ReturnType<typeof createHappyPairingActivities>;

/** Everything the platform printed while this file ran (its logs are JSON lines on stderr). */
let output: ReturnType<typeof captureOutput>;
/** Everything the activities returned or heartbeated: what a workflow's history would hold. */
const history: unknown[] = [];
/** Key material and tokens read out of the box as the test goes; none may show up anywhere else. */
const secrets = new SecretSet();
const figures: string[] = [];

/** Runs one activity as a worker would, recording its result and heartbeats. */
async function activity<I, O>(fn: (input: I) => Promise<O>, input: I, env = new MockActivityEnvironment()): Promise<O> {
  env.on('heartbeat', (details: unknown) => history.push(details));
  history.push(input);
  const out = await env.run<[I], O, typeof fn>(fn, input);
  history.push(out);
  return out;
}

/** A root shell into the box, as its owner would have (the test's own eyes, not the platform's). */
const login = () => ({ host: address.host, port: address.port, password: box.password });
const inBox = (command: string) => inBoxAs(login(), command);

/** The box's pairing and credentials files, remembered as secrets (every encoding we might leak them in). */
const collectSecrets = () => secrets.collectFromBox(login());

const begin = (ttlMs = 10 * 60_000) => activity(acts.beginHappyPairing, { ...address, expiresAt: new Date(Date.now() + ttlMs).toISOString() });
const complete = (publicKey: string, env?: MockActivityEnvironment) => activity(acts.completeHappyPairing, { ...address, publicKey }, env);
const status = () => activity(acts.readHappyStatus, address);
const pending = (start: HappyPairingStart) => {
  if (start.state !== 'pending') throw new Error(`expected a pending pairing, got ${start.state}`);
  return start;
};

const logLevel = process.env.LOG_LEVEL;

beforeAll(async () => {
  // Every line the platform would log, at every level, is captured for the secrets sweep.
  process.env.LOG_LEVEL = 'debug';
  // Kept, not shown: debug logging is loud. (Jest's own reporting does not go through these.)
  output = captureOutput();
  relay = await startHappyRelay({ host: await dockerBridgeAddress() });
  control = new RelayControlClient(relay.url);
  p = await startPlatform({ ENABLED_PROVIDERS: 'docker', HAPPY_SERVER_URL: relay.url });
  acts = createHappyPairingActivities({ db: p.database.db, secrets: new SecretBox(p.config.VIBEBOX_SECRET_KEY), happy: happySettingsFrom(p.config) });
  box = await startBox(p);
  const active = await box.waitFor('active', 15 * 60_000);
  const r = active.resource!;
  address = { vibeboxId: box.id, host: r.ipAddress!, port: r.sshPort ?? 22, user: r.sshUser ?? 'root', connectDeadlineMs: policies.configure.sshConnectDeadline };
}, 20 * 60_000);

afterAll(async () => {
  process.env.LOG_LEVEL = logLevel;
  output?.restore();
  if (figures.length) process.stdout.write(`\nHappy pairing figures:\n  ${figures.join('\n  ')}\n`);
  await box?.handle.executeUpdate(deleteUpdate).catch(() => undefined);
  await box?.handle.result().catch(() => undefined);
  await p?.close();
  await relay?.close();
});

it('an active box starts unpaired: no credentials, no daemon, happy auth status not authenticated', async () => {
  expect(await inBox('grep HAPPY_SERVER_URL /etc/vibebox/happy.env')).toContain(relay.url);
  expect(await status()).toMatchObject({
    credentials: null,
    pending: null,
    daemon: { running: false },
    auth: { authenticated: false, daemonRunning: false },
  });
});

it('a pairing link carries only the public key; the private key stays in the box, 0600, the Happy user’s', async () => {
  const start = pending(await begin());
  expect(start.link).toMatch(/^happy:\/\/terminal\?[A-Za-z0-9_-]{43}$/);
  expect(start.webLink).toMatch(/^https:\/\/app\.happy\.engineering\/terminal\/connect#key=[A-Za-z0-9_-]{43}$/);
  expect(publicKeyFromLink(start.link)).toBe(start.publicKey);
  expect(await control.authRequests()).toContainEqual(expect.objectContaining({ publicKey: start.publicKey, supportsV2: true, state: 'pending' }));
  expect((await inBox('stat -c "%a %U" /home/vibe/.happy/vibebox-pairing.json')).trim()).toBe('600 vibe');
  await collectSecrets();
  // Asking again while it is valid gives the same pairing.
  expect(pending(await begin())).toMatchObject({ publicKey: start.publicKey, reused: true });
});

it('an unanswered pairing expires in the box, and the next one is a new key', async () => {
  const short = pending(await begin(3_000));
  expect(await complete(short.publicKey)).toEqual({ outcome: 'expired' });
  const renewed = pending(await begin());
  expect(renewed.reused).toBe(false);
  expect(renewed.publicKey).not.toBe(short.publicKey);
  expect((await status()).pending).toMatchObject({ publicKey: renewed.publicKey, expired: false });
  await collectSecrets();
});

it('a wrong answer is refused and nothing is written', async () => {
  const start = pending(await begin());
  // A well-formed answer, sealed for some other terminal's key.
  const phone = new HappyPhone(relay.url);
  await phone.respond(start.publicKey, toBase64(sealForTerminal(pairingAnswer(phone.seed, 2), nacl.box.keyPair().publicKey)));
  expect(await complete(start.publicKey)).toMatchObject({ outcome: 'refused' });
  expect(await status()).toMatchObject({ credentials: null, pending: null });
});

let v2: { phone: HappyPhone; publicKey: string; machineId: string };

it('cancelling the wait stops it in the box; the phone approves (V2) and the box pairs with the daemon online', async () => {
  const start = pending(await begin());
  await collectSecrets();
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const waiting = complete(start.publicKey, env);
  await eventually(async () => heartbeats.some((h) => (h as { polls?: number }).polls! > 0), Boolean, 60_000, 200);
  env.cancel();
  await expect(waiting).rejects.toBeInstanceOf(CancelledFailure);
  await eventually(() => inBox('pgrep -fc "happy-pairing.mjs [w]ait" || true'), (n) => n.trim() === '0', 30_000);

  // The pairing survived the cancellation: a new wait picks it up, and the phone approves.
  const phone = new HappyPhone(relay.url);
  const began = Date.now();
  const paired = complete(start.publicKey);
  expect(await phone.approve(start.link)).toEqual({ outcome: 'approved', version: 2 });
  const result = await paired;
  figures.push(`phone approval → paired, daemon online (V2): ${((Date.now() - began) / 1000).toFixed(1)} s`);
  expect(result).toMatchObject({
    outcome: 'paired',
    credentials: 'v2',
    machineId: expect.any(String),
    daemon: { running: true, online: true },
    auth: { authenticated: true, machineRegistered: true, daemonRunning: true },
  });
  if (result.outcome !== 'paired') return;
  await collectSecrets();

  expect((await inBox('stat -c "%a %U" /home/vibe/.happy/access.key')).trim()).toBe('600 vibe');
  const written = JSON.parse(await inBox('cat /home/vibe/.happy/access.key'));
  expect(written.encryption.publicKey).toBe(toBase64(phone.content.publicKey));
  expect(await inBox('su - vibe -c "happy auth status </dev/null" 2>&1')).toContain('✓ Authenticated');

  // The relay sees the machine online, and the phone reads what the daemon reported.
  expect(await control.machines()).toContainEqual(expect.objectContaining({ id: result.machineId, connections: 1 }));
  await eventually(() => phone.machines(), (ms) => (ms.find((m) => m.id === result.machineId)?.daemonState as { status?: string })?.status === 'running', 30_000);
  v2 = { phone, publicKey: start.publicKey, machineId: result.machineId! };
});

it('a box restarted by its provider comes back with the daemon online', async () => {
  const before = (await control.machines()).find((m) => m.id === v2.machineId)!;
  await box.handle.executeUpdate(restartUpdate);
  await box.waitFor('active');
  await eventually(status, (s) => s.daemon.online && s.auth.daemonRunning, 3 * 60_000, 2_000);
  const after = await eventually(
    async () => (await control.machines()).find((m) => m.id === v2.machineId)!,
    (m) => m.connections === 1 && m.connects > before.connects,
    60_000,
  );
  expect(after.active).toBe(true);
});

it('unpairing stops the daemon and removes the credentials and the machine id', async () => {
  expect(await activity(acts.unpairHappy, address)).toMatchObject({
    credentials: null,
    machineId: null,
    daemon: { running: false },
    auth: { authenticated: false, daemonRunning: false },
  });
  await eventually(async () => (await control.machines()).find((m) => m.id === v2.machineId)!, (m) => m.connections === 0, 30_000);
});

it('an answer replayed from the earlier pairing is refused', async () => {
  // Anyone who knows a terminal key can fetch its answer from the relay; it opens only with that key.
  const old = await fetch(`${relay.url}/v1/auth/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ publicKey: v2.publicKey, supportsV2: true }),
  }).then((r) => r.json() as Promise<{ state: string; response: string; token: string }>);
  expect(old.state).toBe('authorized');
  secrets.add(old.token);
  const start = pending(await begin());
  await v2.phone.respond(start.publicKey, old.response);
  expect(await complete(start.publicKey)).toMatchObject({ outcome: 'refused' });
  expect((await status()).credentials).toBeNull();
});

it('a V1 answer (an older app) pairs too, and the daemon comes online', async () => {
  const phone = new HappyPhone(relay.url);
  const asked = Date.now();
  const start = pending(await begin());
  figures.push(`begin → link (key made in the box, registered with the relay): ${((Date.now() - asked) / 1000).toFixed(1)} s`);
  await collectSecrets();
  const began = Date.now();
  const paired = complete(start.publicKey);
  expect(await phone.approve(start.link, { version: 1 })).toEqual({ outcome: 'approved', version: 1 });
  const result = await paired;
  figures.push(`phone approval → paired, daemon online (V1): ${((Date.now() - began) / 1000).toFixed(1)} s`);
  figures.push(`begin → paired, daemon online, phone approving at once (V1): ${((Date.now() - asked) / 1000).toFixed(1)} s`);
  expect(result).toMatchObject({ outcome: 'paired', credentials: 'v1', daemon: { online: true }, auth: { authenticated: true } });
  await collectSecrets();
  secrets.add(toBase64(phone.seed), 'key');
  const written = JSON.parse(await inBox('cat /home/vibe/.happy/access.key'));
  expect(written.secret).toBe(toBase64(phone.seed));
  await eventually(() => phone.machines(), (ms) => ms.some((m) => (m.daemonState as { status?: string })?.status === 'running'), 30_000);
});

it('no token or key material is in the logs, in Postgres or in what the activities returned', async () => {
  expect(secrets.values.size).toBeGreaterThanOrEqual(10);
  const rows = await databaseText(p);
  const workflowHistory = historyText(await box.handle.fetchHistory());
  const returned = JSON.stringify(history);
  const logged = output.text();
  // The sweep looks where the secrets would be: the platform's logs, the box's rows, the pairings.
  expect(logged).toContain('"component":"DockerProvider"');
  expect(rows).toContain(box.id);
  expect(returned).toContain(v2.publicKey);
  expect(workflowHistory).toContain(`"vibeboxId":"${box.id}"`); // payloads were decoded
  for (const secret of secrets.values) {
    expect(logged).not.toContain(secret);
    expect(rows).not.toContain(secret);
    expect(returned).not.toContain(secret);
    expect(workflowHistory).not.toContain(secret);
  }
});
