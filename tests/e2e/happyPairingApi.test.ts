/**
 * Phone-first: a subscriber goes from `POST /api/vibeboxes` to a paired box with the Happy daemon
 * running using HTTP alone and their phone (here the scripted phone). Real parts throughout: the
 * platform's worker and API on the Temporal dev server and Postgres, a Docker box with real sshd
 * and the real happy-coder installed by provisioning, the Happy relay emulator on the Docker
 * bridge. One box serves every case, in order (provisioning it is the slow part); the pairing
 * expiry is tightened through VIBEBOX_POLICY_OVERRIDES so expiry and renewal take seconds, and
 * so is the history's length, so the workflow continues as new along the way — a pairing wait
 * then resumes in the next run.
 */
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import nacl from 'tweetnacl';
import { pairingAnswer, sealForTerminal, toBase64 } from '../../happy/crypto';
import { publicKeyFromLink } from '../../happy/links';
import { HappyPhone } from '../../happy/phone';
import { dockerBridgeAddress, HappyRelayHandle, RelayControlClient, startHappyRelay } from '../../happy/relay';
import { workflowIdFor } from '../../workflows/definitions';
import { historyText } from '../support/boxes';
import { BoxLogin, captureOutput, databaseText, inBox, SecretSet } from '../support/happySecrets';
import { eventually, startPlatform, TestPlatform } from '../support/platform';

const PAIRING_EXPIRY_MS = 45_000;

let relay: HappyRelayHandle;
let control: RelayControlClient;
let p: TestPlatform;
let owner: { token: string };
let stranger: { token: string };
let output: ReturnType<typeof captureOutput>;
const secrets = new SecretSet();
const figures: string[] = [];
const logLevel = process.env.LOG_LEVEL;

/** The one box, as its owner knows it from the API. */
let id: string;
let login: BoxLogin;
let machineId: string;
let v2Phone: HappyPhone;

const api = (method: string, path: string, body?: unknown, token = owner.token) => p.call(token, method, path, body);
const happy = async () => (await api('GET', `/api/vibeboxes/${id}/happy`)).body;
const boxStatus = async () => (await api('GET', `/api/vibeboxes/${id}`)).body?.status;
const untilHappy = (done: (h: any) => boolean, timeoutMs = 3 * 60_000) => eventually(happy, done, timeoutMs, 1_000);
const untilBox = (status: string, timeoutMs = 5 * 60_000) => eventually(boxStatus, (s) => s === status || s === 'error', timeoutMs, 1_000);
const pair = () => api('POST', `/api/vibeboxes/${id}/happy/pairing`);
const sh = (command: string) => inBox(login, command);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** What a QR code (PNG data URL) says. */
function readQr(dataUrl: string): string | undefined {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

/** The names of the box's Happy files. */
const happyFiles = () => sh('ls -A /home/vibe/.happy /home/vibe/.happy/logs 2>/dev/null || true');

/** Every run of the box's workflow (it continues as new), oldest first. */
async function runs() {
  const found = [];
  for await (const run of p.temporal.workflow.list({ query: `WorkflowId = "${workflowIdFor(id)}"` })) found.push(run);
  found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  return Promise.all(found.map((run) => p.temporal.workflow.getHandle(run.workflowId, run.runId).fetchHistory()));
}

/** The box's history as the waits for an answer went, in every run: each one's cancellation asked, and how it closed. */
async function waitsForAnswer(): Promise<Array<{ cancelRequested: boolean; closed?: string }>> {
  return (await runs()).flatMap((history) => waitsIn(history.events ?? []));
}

type HistoryEvent = NonNullable<Awaited<ReturnType<typeof runs>>[number]['events']>[number];

function waitsIn(events: HistoryEvent[]): Array<{ cancelRequested: boolean; closed?: string }> {
  const of = (e: HistoryEvent) => {
    const closing = {
      canceled: e.activityTaskCanceledEventAttributes,
      completed: e.activityTaskCompletedEventAttributes,
      failed: e.activityTaskFailedEventAttributes,
      timedOut: e.activityTaskTimedOutEventAttributes,
      cancelRequested: e.activityTaskCancelRequestedEventAttributes,
    };
    const [how, attrs] = Object.entries(closing).find(([, a]) => a) ?? [];
    return how ? { how, scheduled: String(attrs!.scheduledEventId) } : undefined;
  };
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'completeHappyPairing')
    .map((scheduled) => {
      const later = events.map(of).filter((x) => x?.scheduled === String(scheduled.eventId));
      return { cancelRequested: later.some((x) => x!.how === 'cancelRequested'), closed: later.find((x) => x!.how !== 'cancelRequested')?.how };
    });
}

/** Postgres as it was while the box still had its row (the sweep reads these too). */
const databaseSnapshots: string[] = [];

beforeAll(async () => {
  // Every line the platform logs, at every level, is kept for the secrets sweep.
  process.env.LOG_LEVEL = 'debug';
  output = captureOutput();
  relay = await startHappyRelay({ host: await dockerBridgeAddress() });
  control = new RelayControlClient(relay.url);
  p = await startPlatform({
    ENABLED_PROVIDERS: 'docker',
    HAPPY_SERVER_URL: relay.url,
    VIBEBOX_POLICY_OVERRIDES: JSON.stringify({ happy: { pairingExpiry: PAIRING_EXPIRY_MS }, history: { maxEvents: 120 } }),
  });
  owner = await p.newUser();
  stranger = await p.newUser();
}, 5 * 60_000);

afterAll(async () => {
  process.env.LOG_LEVEL = logLevel;
  output?.restore();
  if (figures.length) process.stdout.write(`\nHappy pairing over the API, figures:\n  ${figures.join('\n  ')}\n`);
  // The box is deleted by the last case; should a case before it have failed, delete it here.
  if (id && (await boxStatus().catch(() => undefined)) !== undefined) {
    await api('DELETE', `/api/vibeboxes/${id}`).catch(() => undefined);
    await p.temporal.workflow.getHandle(workflowIdFor(id)).result().catch(() => undefined);
  }
  await p?.close();
  await relay?.close();
});

it('a box created over HTTP comes up active and unpaired, and its daemon service starts nothing before pairing', async () => {
  const began = Date.now();
  const created = await api('POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' });
  expect(created.status).toBe(202);
  id = created.body.id;
  expect(await untilBox('active', 15 * 60_000)).toBe('active');
  figures.push(`POST /api/vibeboxes → active: ${seconds(began)}`);
  const box = (await api('GET', `/api/vibeboxes/${id}`)).body;
  login = { host: box.ipAddress, port: box.sshPort, password: created.body.sshPassword };

  const status = await api('GET', `/api/vibeboxes/${id}/happy`);
  expect(status.status).toBe(200);
  expect(status.body).toEqual({
    state: 'unpaired',
    link: null,
    webLink: null,
    requestedAt: null,
    expiresAt: null,
    pairedAt: null,
    machineId: null,
    daemonRunning: null,
    checkedAt: null,
    lastError: null,
  });

  // The service runner's first pass comes at once; give it time to have made (and lost) a daemon.
  await eventually(() => sh(`ps -o etimes= -p "$(pgrep -f '/etc/vibebox/services/[h]appy-daemon' | head -n1)" || echo 0`), (s) => Number(s.trim()) >= 30, 2 * 60_000, 2_000);
  const files = await happyFiles();
  expect(files).not.toContain('access.key');
  expect(files).not.toMatch(/-daemon\.log|daemon\.state\.json/);
});

it("is owner-only: another user's requests are 404s; a malformed id is a 400; a body with fields is a 400", async () => {
  for (const [method, path] of [
    ['GET', `/api/vibeboxes/${id}/happy`],
    ['POST', `/api/vibeboxes/${id}/happy/pairing`],
    ['DELETE', `/api/vibeboxes/${id}/happy/pairing`],
  ]) {
    const res = await api(method, path, undefined, stranger.token);
    expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({ method, path, status: 404, code: 'not_found' });
    expect((await api(method, path, undefined, 'vbx_not-a-token')).status).toBe(401);
  }
  const malformed = await api('GET', '/api/vibeboxes/not-an-id/happy');
  expect(malformed.status).toBe(400);
  expect(malformed.body.error.details[0].field).toBe('id');
  const withFields = await api('POST', `/api/vibeboxes/${id}/happy/pairing`, { ttl: 1 });
  expect(withFields.status).toBe(400);
  expect((await happy()).state).toBe('unpaired');
});

let first: any;

it('POST pairing returns the link, the web link, the expiry and the QR code; asked again while valid, the same link with a later expiry', async () => {
  const asked = Date.now();
  const res = await pair();
  figures.push(`POST …/happy/pairing → 202 with the link: ${seconds(asked)}`);
  expect(res.status).toBe(202);
  first = res.body;
  expect(first).toMatchObject({ state: 'waiting', pairedAt: null, lastError: null });
  expect(first.link).toMatch(/^happy:\/\/terminal\?[A-Za-z0-9_-]{43}$/);
  expect(first.webLink).toMatch(/^https:\/\/app\.happy\.engineering\/terminal\/connect#key=[A-Za-z0-9_-]{43}$/);
  expect(Date.parse(first.expiresAt) - Date.parse(first.requestedAt)).toBeGreaterThan(PAIRING_EXPIRY_MS - 15_000);
  // The QR code holds the app's link, rendered here: as SVG and as a PNG that reads back.
  expect(first.qr.svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  expect(readQr(first.qr.png)).toBe(first.link);
  // The relay holds the request the box made; the box holds the private key (0600, the Happy user's).
  expect(await control.authRequests()).toContainEqual(expect.objectContaining({ publicKey: publicKeyFromLink(first.link), state: 'pending', supportsV2: true }));
  expect((await sh('stat -c "%a %U" /home/vibe/.happy/vibebox-pairing.json')).trim()).toBe('600 vibe');
  await secrets.collectFromBox(login);
  // GET shows it too (from Postgres).
  expect(await happy()).toMatchObject({ state: 'waiting', link: first.link, expiresAt: first.expiresAt });

  const renewed = (await pair()).body;
  expect(renewed).toMatchObject({ state: 'waiting', link: first.link, requestedAt: first.requestedAt });
  expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
});

it('a wrong answer is refused: the box stays unpaired and says why', async () => {
  // A well-formed answer, sealed for some other terminal's key.
  const phone = new HappyPhone(relay.url);
  await phone.respond(publicKeyFromLink(first.link), toBase64(sealForTerminal(pairingAnswer(phone.seed, 2), nacl.box.keyPair().publicKey)));
  const refused = await untilHappy((h) => h.state === 'refused');
  expect(refused).toMatchObject({ link: null, requestedAt: first.requestedAt, lastError: expect.stringContaining('refused') });
  expect(await happyFiles()).not.toContain('access.key');
});

it('an unanswered link expires, and the next POST makes a new one', async () => {
  const res = await pair();
  expect(res.body.state).toBe('waiting');
  expect(res.body.link).not.toBe(first.link); // a refused key is spent
  await secrets.collectFromBox(login);
  const expired = await untilHappy((h) => h.state !== 'waiting', PAIRING_EXPIRY_MS + 2 * 60_000);
  expect(expired).toMatchObject({ state: 'expired', link: null, expiresAt: res.body.expiresAt });
  expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(res.body.expiresAt));
  // The box let it go too.
  expect(await happyFiles()).not.toContain('vibebox-pairing.json');

  const again = await pair();
  expect(again.status).toBe(202);
  expect(again.body.state).toBe('waiting');
  expect(again.body.link).not.toBe(res.body.link);
  first = again.body;
  await secrets.collectFromBox(login);
});

it('the phone approves the link (V2): the box is paired, access.key is 0600, the daemon runs and happy auth status says authenticated', async () => {
  v2Phone = new HappyPhone(relay.url);
  const approved = Date.now();
  expect(await v2Phone.approve(first.link)).toEqual({ outcome: 'approved', version: 2 });
  const paired = await untilHappy((h) => h.state !== 'waiting');
  figures.push(`phone approval → GET …/happy paired, daemon running (V2): ${seconds(approved)}`);
  expect(paired).toMatchObject({ state: 'paired', link: null, daemonRunning: true, machineId: expect.any(String), pairedAt: expect.any(String), checkedAt: expect.any(String) });
  machineId = paired.machineId;
  await secrets.collectFromBox(login);
  secrets.add(toBase64(v2Phone.seed), 'key');
  secrets.add(await v2Phone.signIn());

  expect((await sh('stat -c "%a %U" /home/vibe/.happy/access.key')).trim()).toBe('600 vibe');
  expect(JSON.parse(await sh('cat /home/vibe/.happy/access.key')).encryption.publicKey).toBe(toBase64(v2Phone.content.publicKey));
  expect(await sh('su - vibe -c "happy auth status </dev/null" 2>&1')).toContain('✓ Authenticated');
  expect(await control.machines()).toContainEqual(expect.objectContaining({ id: machineId, connections: 1 }));
  await eventually(() => v2Phone.machines(), (ms) => (ms.find((m) => m.id === machineId)?.daemonState as { status?: string })?.status === 'running', 60_000);

  // Paired boxes are not paired again.
  const twice = await pair();
  expect(twice.status).toBe(409);
  expect(twice.body.error.message).toContain('already paired');
});

it('a box restarted through the API comes back paired, with the daemon running again', async () => {
  const before = (await control.machines()).find((m) => m.id === machineId)!;
  const asked = Date.now();
  expect((await api('POST', `/api/vibeboxes/${id}/restart`)).status).toBe(202);
  expect(await untilBox('active')).toBe('active');
  const after = await untilHappy((h) => Date.parse(h.checkedAt) > asked && h.daemonRunning === true);
  figures.push(`POST …/restart → GET …/happy daemon running again: ${seconds(asked)}`);
  expect(after).toMatchObject({ state: 'paired', machineId, pairedAt: expect.any(String) });
  const machine = await eventually(async () => (await control.machines()).find((m) => m.id === machineId)!, (m) => m.connects > before.connects && m.connections === 1, 60_000);
  expect(machine.active).toBe(true);
});

it('DELETE pairing unpairs: the daemon stops and the credentials leave the box', async () => {
  const res = await api('DELETE', `/api/vibeboxes/${id}/happy/pairing`);
  expect(res.status).toBe(202);
  expect(res.body).toMatchObject({ state: 'unpaired', machineId: null, daemonRunning: false });
  expect(await happy()).toMatchObject({ state: 'unpaired' });
  expect(await happyFiles()).not.toContain('access.key');
  await eventually(async () => (await control.machines()).find((m) => m.id === machineId)!, (m) => m.connections === 0, 30_000);
});

it('a stop while waiting pauses the wait (the link stays valid until it expires); a stopped box cannot be paired', async () => {
  const res = await pair();
  expect(res.body.state).toBe('waiting');
  await secrets.collectFromBox(login);
  expect((await api('POST', `/api/vibeboxes/${id}/stop`)).status).toBe(202);
  expect(await untilBox('stopped')).toBe('stopped');
  const whileStopped = await happy();
  // Until its expiry the request is still on show; then it lapses though the box is off.
  expect(whileStopped.state).toBe(Date.now() < Date.parse(res.body.expiresAt) ? 'waiting' : 'expired');
  expect(await untilHappy((h) => h.state !== 'waiting', PAIRING_EXPIRY_MS + 60_000)).toMatchObject({ state: 'expired', expiresAt: res.body.expiresAt });
  // The wait in the box was cancelled when the box left `active`, and ended: cancelled, or cut off with the box.
  const last = (await waitsForAnswer()).at(-1)!;
  expect(last.cancelRequested).toBe(true);
  expect(['canceled', 'failed']).toContain(last.closed);

  const refused = await pair();
  expect(refused.status).toBe(409);
  expect(refused.body.error.message).toContain('cannot pair Happy on a VibeBox that is stopped');
});

it('deleting the box while a pairing waits is accepted at once, and the wait ends with the box', async () => {
  expect((await api('POST', `/api/vibeboxes/${id}/start`)).status).toBe(202);
  expect(await untilBox('active')).toBe('active');
  const res = await pair();
  expect(res.body.state).toBe('waiting');
  await secrets.collectFromBox(login);
  const handle = p.temporal.workflow.getHandle(workflowIdFor(id));
  await eventually(async () => (await handle.describe()).raw.pendingActivities ?? [], (acts) => acts.some((a) => a.activityType?.name === 'completeHappyPairing'), 60_000, 500);
  databaseSnapshots.push(await databaseText(p));

  const asked = Date.now();
  const deleted = await api('DELETE', `/api/vibeboxes/${id}`);
  expect(deleted.status).toBe(202);
  await handle.result();
  figures.push(`DELETE a box whose pairing waits → workflow done: ${seconds(asked)}`);
  expect((await api('GET', `/api/vibeboxes/${id}`)).status).toBe(404);
  // The wait was cancelled, and it had ended (cancelled, or cut off with the box) before the workflow did.
  const last = (await waitsForAnswer()).at(-1)!;
  expect(last.cancelRequested).toBe(true);
  expect(['canceled', 'failed']).toContain(last.closed);
  expect((await waitsForAnswer()).every((w) => w.closed)).toBe(true);
});

it('no account token or key material is in any workflow history, the logs or Postgres', async () => {
  // Private keys of four pairings, two access.key files' worth (token, machine key), the phone's seed and token.
  expect(secrets.values.size).toBeGreaterThanOrEqual(12);
  const histories = (await runs()).map(historyText).join('\n');
  const rows = [...databaseSnapshots, await databaseText(p)].join('\n');
  const logged = output.text();
  // The sweep looks where they would be: the pairing's public facts are there.
  // It continued as new along the way (a wait in progress resumed in the next run).
  expect((await runs()).length).toBeGreaterThanOrEqual(2);
  expect(histories).toContain(publicKeyFromLink(first.link));
  expect(histories).toContain(machineId);
  expect(logged).toContain('"component":"DockerProvider"');
  expect(rows).toMatch(/"happy":\s*\{[^}]*"state":\s*"waiting"/); // the box's row, with its pairing, was read
  for (const activity of ['beginHappyPairing', 'completeHappyPairing', 'unpairHappy', 'readHappyStatus', 'recordHappyState']) {
    expect(histories).toContain(`"activityType":{"name":"${activity}"}`);
  }
  for (const secret of secrets.values) {
    expect(histories).not.toContain(secret);
    expect(logged).not.toContain(secret);
    expect(rows).not.toContain(secret);
  }
});
