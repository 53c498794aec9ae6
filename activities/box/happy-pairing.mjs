// VibeBox: the terminal side of Happy pairing, run INSIDE a box as the Happy user (installed by
// activities/happyPairingTool.ts as /usr/local/lib/vibebox/happy-pairing.mjs; the shell wrapper
// beside it runs it). It does what `happy auth login` does, without its menu or a terminal:
//
//   begin <ttl-ms>        make (or keep, while unexpired) an X25519 key pair, private half in a
//                         0600 file under the Happy home, register it with the relay
//   wait <public-key>     poll the relay until the phone answers, decrypt, write access.key 0600
//   verify <timeout-ms>   wait for the daemon to run and reach the relay
//   status | forget       report / remove the pairing files and the machine id
//
// begin, forget and the end of a wait take a short lock; a wait holds none while it polls, so a
// renewal (begin) or an unpair (forget) during a wait is fine: the wait sees it at its next poll.
//
// Only tagged lines go to stdout (`::<tag> <json>`), and none of them holds the account token or
// any key but the public one: the token and keys go from the relay straight into files here.
// Needs Node >= 18 (fetch) and tweetnacl, taken from the installed happy-coder (VIBEBOX_HAPPY_PKG).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const nacl = createRequire(path.join(process.env.VIBEBOX_HAPPY_PKG || process.cwd(), 'package.json'))('tweetnacl');

// happy-coder reads these from the environment only (its Configuration class).
const SERVER = (process.env.HAPPY_SERVER_URL || 'https://api.cluster-fluster.com').replace(/\/+$/, '');
const HOME = process.env.HAPPY_HOME_DIR ? process.env.HAPPY_HOME_DIR.replace(/^~/, os.homedir()) : path.join(os.homedir(), '.happy');
const ACCESS_KEY = path.join(HOME, 'access.key');
const PAIRING = path.join(HOME, 'vibebox-pairing.json');
const SETTINGS = path.join(HOME, 'settings.json');
const DAEMON_STATE = path.join(HOME, 'daemon.state.json');
const LOCK = path.join(HOME, 'vibebox-pairing.lock');
const POLL_MS = 1000; // the CLI's own pace
const REQUEST_TIMEOUT_MS = 15_000;

const say = (tag, value) => process.stdout.write(`::${tag} ${JSON.stringify(value)}\n`);
const fail = (code, message) => {
  say('error', { code, message });
  process.exit(3);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const b64 = (bytes) => Buffer.from(bytes).toString('base64');

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Write-then-rename, 0600 from the first byte: a reader sees the old file or the whole new one. */
function writePrivate(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.fchmodSync(fd, 0o600); // whatever the umask
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function remove(file) {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (err) {
    if (err.code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Runs `fn` holding the pairing lock (a directory: mkdir is atomic), so begin, forget and a wait's
 * finish never interleave — e.g. two waiters for one answer, or an unpair while an answer lands.
 * Held for milliseconds; a lock whose owner died is taken over.
 */
async function locked(fn) {
  fs.mkdirSync(HOME, { recursive: true, mode: 0o700 });
  for (const deadline = Date.now() + 20_000; ; ) {
    try {
      fs.mkdirSync(LOCK);
      fs.writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (lockIsStale()) {
        fs.rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) fail('busy', 'another pairing step is still running in the box');
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Its owner has exited — or never wrote its pid and the lock is older than any step takes. */
function lockIsStale() {
  try {
    const owner = Number(fs.readFileSync(path.join(LOCK, 'pid'), 'utf8'));
    if (owner > 0) return !alive(owner);
  } catch {
    /* no pid yet: being taken right now, or its owner died in between */
  }
  try {
    return Date.now() - fs.statSync(LOCK).mtimeMs > 5_000;
  } catch {
    return false; // gone meanwhile: just try again
  }
}

function alive(pid) {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** The pairing in progress, or null; `expired` by this box's clock. */
function readPairing() {
  const p = readJson(PAIRING);
  if (!p || typeof p.publicKey !== 'string' || typeof p.secretKey !== 'string') return null;
  return { ...p, expired: Date.now() >= Date.parse(p.expiresAt) };
}

/** What access.key holds, by the two shapes happy-coder reads (no values). */
function credentialsKind() {
  const c = readJson(ACCESS_KEY);
  if (!c || typeof c.token !== 'string') return null;
  if (typeof c.secret === 'string') return 'v1';
  if (c.encryption && typeof c.encryption.publicKey === 'string' && typeof c.encryption.machineKey === 'string') return 'v2';
  return null;
}

/** One `POST /v1/auth/request`, as the CLI sends it. Returns the parsed body or {httpStatus}. */
async function authRequest(publicKey) {
  const res = await fetch(`${SERVER}/v1/auth/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ publicKey, supportsV2: true }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!res.ok) return { httpStatus: res.status };
  return await res.json();
}

async function begin(ttlMs) {
  if (!(ttlMs > 0)) fail('usage', 'begin needs a positive ttl in ms');
  const started = await locked(() => {
    if (credentialsKind()) return null;
    const now = Date.now();
    let pairing = readPairing();
    const reused = Boolean(pairing && !pairing.expired);
    if (!reused) {
      // What doAuth does: 32 random bytes as the box secret key.
      const keyPair = nacl.box.keyPair.fromSecretKey(new Uint8Array(randomBytes(32)));
      pairing = { publicKey: b64(keyPair.publicKey), secretKey: b64(keyPair.secretKey), createdAt: new Date(now).toISOString() };
    }
    const { expired: _expired, ...kept } = pairing;
    const record = { ...kept, expiresAt: new Date(now + ttlMs).toISOString() };
    writePrivate(PAIRING, JSON.stringify(record));
    return { record, reused };
  });
  if (!started) return say('begin', { alreadyPaired: true });
  const { record, reused } = started;
  let answer;
  try {
    answer = await authRequest(record.publicKey);
  } catch (err) {
    fail('relay-unreachable', `cannot reach the Happy relay: ${err.cause?.code ?? err.name}`);
  }
  if (answer.httpStatus) fail('relay-refused', `the Happy relay answered HTTP ${answer.httpStatus} to the pairing request`);
  say('begin', { publicKey: record.publicKey, expiresAt: record.expiresAt, reused, relayState: answer.state });
}

/**
 * Opens the phone's answer: `ephemeralPub(32) ‖ nonce(24) ‖ box` for our key. Plaintext
 * `0x00 ‖ contentPublicKey(32)` is V2, 32 bytes is V1 (the master secret); anything else, or a
 * bundle sealed for another key (a replay), is refused.
 */
function openAnswer(responseBase64, secretKey) {
  const bundle = new Uint8Array(Buffer.from(String(responseBase64), 'base64'));
  if (bundle.length < 32 + 24 + nacl.box.overheadLength) return null;
  const plain = nacl.box.open(bundle.subarray(56), bundle.subarray(32, 56), bundle.subarray(0, 32), secretKey);
  if (!plain) return null;
  if (plain.length === 33 && plain[0] === 0) return { kind: 'v2', contentPublicKey: plain.slice(1) };
  if (plain.length === 32) return { kind: 'v1', secret: plain };
  return null;
}

async function wait(publicKey) {
  // The activity holds our stdin open; when it goes (cancelled, worker gone) we stop at once.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
  let failures = 0;
  for (let polls = 1; ; polls++) {
    const kind = credentialsKind();
    const pairing = readPairing();
    if (!pairing) return say('outcome', kind ? { outcome: 'paired', credentials: kind, already: true } : { outcome: 'missing' });
    if (pairing.publicKey !== publicKey) return say('outcome', { outcome: 'superseded' });
    if (pairing.expired) {
      remove(PAIRING);
      return say('outcome', { outcome: 'expired' });
    }
    let answer;
    try {
      answer = await authRequest(publicKey);
    } catch (err) {
      answer = { httpStatus: 0, error: err.cause?.code ?? err.name };
    }
    if (answer.httpStatus !== undefined) {
      // A durable waiter rides out relay trouble until the pairing expires (the CLI gives up).
      failures++;
      say('poll', { polls, relay: answer.httpStatus || answer.error });
      await sleep(Math.min(POLL_MS * 2 ** Math.min(failures, 3), 5_000));
      continue;
    }
    failures = 0;
    if (answer.state === 'authorized') return locked(() => finish(publicKey, answer));
    say('poll', { polls });
    await sleep(POLL_MS);
  }
}

function finish(publicKey, answer) {
  // Under the lock, from the files as they are now: another waiter may have finished first, or an
  // unpair / a new pairing may have replaced this one while the answer was on its way.
  const pairing = readPairing();
  if (!pairing || pairing.publicKey !== publicKey) {
    const kind = credentialsKind();
    return say('outcome', kind ? { outcome: 'paired', credentials: kind, already: true } : { outcome: pairing ? 'superseded' : 'missing' });
  }
  const opened = typeof answer.token === 'string' && answer.token ? openAnswer(answer.response, Buffer.from(pairing.secretKey, 'base64')) : null;
  // Whatever the answer, this key pair is spent: the relay keeps the first answer for good.
  remove(PAIRING);
  if (!opened) return say('outcome', { outcome: 'refused', reason: 'the answer does not open with this pairing key' });
  // The two shapes happy-coder writes (writeCredentialsDataKey / writeCredentialsLegacy).
  const credentials =
    opened.kind === 'v2'
      ? { encryption: { publicKey: b64(opened.contentPublicKey), machineKey: b64(randomBytes(32)) }, token: answer.token }
      : { secret: b64(opened.secret), token: answer.token };
  writePrivate(ACCESS_KEY, JSON.stringify(credentials, null, 2));
  say('outcome', { outcome: 'paired', credentials: opened.kind });
}

/**
 * Waits until the daemon's state file names a live process whose log shows it reached the relay.
 * Without credentials no daemon can come, so there is nothing to wait for.
 */
async function verify(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let report;
  for (;;) {
    report = daemonReport();
    if (report.online || Date.now() >= deadline || !credentialsKind()) break;
    await sleep(500);
  }
  say('daemon', { ...report, machineId: readJson(SETTINGS)?.machineId ?? null });
}

function daemonReport() {
  const state = readJson(DAEMON_STATE);
  if (!state || typeof state.pid !== 'number') return { running: false, online: false };
  try {
    process.kill(state.pid, 0);
  } catch {
    return { running: false, online: false };
  }
  // After a restart the state file may name a pid that is now another process of this user.
  if (!isDaemon(state.pid)) return { running: false, online: false };
  let online = false;
  try {
    // The daemon logs "[API MACHINE] Connected to server" once its socket is up (its own log file).
    online = fs.readFileSync(state.daemonLogPath, 'utf8').includes('[API MACHINE] Connected to server');
  } catch {
    /* no log yet */
  }
  return { running: true, online, pid: state.pid, startedWithCliVersion: state.startedWithCliVersion ?? null };
}

/** The daemon runs as `happy daemon start-sync`; where /proc cannot say, the pid is taken at its word. */
function isDaemon(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('daemon');
  } catch {
    return true;
  }
}

function status() {
  const pairing = readPairing();
  say('status', {
    credentials: credentialsKind(),
    accessKeyMode: fs.existsSync(ACCESS_KEY) ? (fs.statSync(ACCESS_KEY).mode & 0o777).toString(8) : null,
    pending: pairing ? { publicKey: pairing.publicKey, expiresAt: pairing.expiresAt, expired: pairing.expired } : null,
    machineId: readJson(SETTINGS)?.machineId ?? null,
    daemon: daemonReport(),
  });
}

/** Unpairing: the credentials, any pending key, and the machine id (a new account needs a new one). */
async function forget() {
  await locked(forgetFiles);
}

function forgetFiles() {
  const removed = [];
  if (remove(ACCESS_KEY)) removed.push('access.key');
  if (remove(PAIRING)) removed.push('pairing');
  const settings = readJson(SETTINGS);
  if (settings && settings.machineId) {
    delete settings.machineId;
    writePrivate(SETTINGS, JSON.stringify(settings, null, 2));
    removed.push('machineId');
  }
  say('forgot', { removed });
}

const [command, arg] = process.argv.slice(2);
const run = {
  begin: () => begin(Number(arg)),
  wait: () => (arg ? wait(arg) : fail('usage', 'wait needs the public key')),
  verify: () => verify(Number(arg) || 0),
  status,
  forget,
}[command];
if (!run) fail('usage', `unknown command ${command}`);
Promise.resolve(run()).then(
  () => process.exit(0),
  (err) => fail('internal', `${err.name}: ${err.code ?? ''}`),
);
