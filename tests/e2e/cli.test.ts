/**
 * The user CLI (`vibebox`, bin/vibebox.js) as a user runs it — a separate process speaking only
 * HTTP to a real platform (API → Temporal → Docker → sshd): login, create --wait with its steps
 * shown live, ls, show, ssh with the saved password and the pinned host key, stop/start/restart,
 * retry of a broken box, delete; --json for scripts; and the exit code of each outcome.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { eq } from 'drizzle-orm';
import { vibeboxes } from '../../drizzle/schema';
import { EXIT } from '../../cli/exitCodes';
import { eventually, startPlatform, TestPlatform } from '../support/platform';

const BIN = path.join(__dirname, '..', '..', 'bin', 'vibebox.js');
const docker = new Docker();
let p: TestPlatform;
let configDir: string;

beforeAll(async () => {
  p = await startPlatform({ ENABLED_PROVIDERS: 'docker' });
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vibebox-cli-'));
});
afterAll(async () => {
  await p?.close();
  fs.rmSync(configDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI to its end. `onStderr` sees stderr as it comes (to check progress is live);
 * `stdin` is written and closed.
 */
function vibebox(args: string[], opts: { stdin?: string; onStderr?: (soFar: string) => void; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: configDir, VIBEBOX_CONFIG_DIR: configDir, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr);
    });
    child.stdin.end(opts.stdin ?? '');
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

it('logs in, creates with live progress, lists, shows, logs in over SSH, stops, starts, restarts, retries and deletes', async () => {
  const alice = await p.newUser();

  // Before login: exit 3 with what to do. A refused token is not stored.
  expect(await vibebox(['ls'])).toMatchObject({ code: EXIT.auth, stderr: expect.stringContaining('vibebox login') });
  expect(await vibebox(['login', '--api', p.api.url, '--token', 'vb_not-a-token'])).toMatchObject({ code: EXIT.auth, stderr: expect.stringContaining('401') });
  expect(fs.existsSync(path.join(configDir, 'config.json'))).toBe(false);

  // Login with the token on stdin (never on a command line other users can see in ps).
  const login = await vibebox(['login', '--api', p.api.url], { stdin: `${alice.token}\n` });
  expect(login).toMatchObject({ code: EXIT.ok, stdout: expect.stringContaining('0 boxes') });
  const saved = path.join(configDir, 'config.json');
  expect(JSON.parse(fs.readFileSync(saved, 'utf8'))).toEqual({ apiUrl: p.api.url, token: alice.token });
  expect(mode(saved)).toBe(0o600);

  // Usage and refusals: exit 2 for a bad command line, 5 with the API's reason for bad input.
  expect((await vibebox(['create'])).code).toBe(EXIT.usage);
  expect(await vibebox(['create', '--plan', 'huge'])).toMatchObject({ code: EXIT.refused, stderr: expect.stringContaining('planId') });
  expect((await vibebox(['show', 'vb-zzzzzzzzzz'])).code).toBe(EXIT.notFound);

  // create --wait: the steps appear while they happen — the install line is on screen while the
  // API still says the box is installing.
  let duringInstall: Promise<unknown> | undefined;
  const created = await vibebox(['create', '--plan', 'basic', '--provider', 'docker', '--wait'], {
    onStderr: (soFar) => {
      const id = /^(vb-[a-z0-9]{10}) created/m.exec(soFar)?.[1];
      if (id && !duringInstall && soFar.includes('… installing Node.js, Claude Code and Happy')) {
        duringInstall = p.call(alice.token, 'GET', `/api/vibeboxes/${id}`).then((r) => r.body);
      }
    },
  });
  expect(created.code).toBe(EXIT.ok);
  expect(await duringInstall).toMatchObject({ status: 'provisioning', step: 'installing-happy' });
  const id = /^(vb-[a-z0-9]{10}) created/m.exec(created.stderr)![1];
  const progress = created.stderr.split('\n').filter((l) => l.startsWith('  '));
  expect(progress).toEqual(
    expect.arrayContaining(['  … booting', expect.stringMatching(/^ {2}✓ booting \(\d+\.\ds\)$/), '  … installing Node.js, Claude Code and Happy', expect.stringMatching(/^ {2}✓ installing Node\.js, Claude Code and Happy \(\d+\.\ds\)$/)]),
  );
  expect(progress.indexOf('  … booting')).toBeLessThan(progress.indexOf('  … installing Node.js, Claude Code and Happy'));
  expect(created.stdout).toMatch(new RegExp(`^id +${id}\nstatus +active\nstep +ready`));
  expect(created.stdout).toContain(`vibebox ssh ${id}`);
  const passwordFile = path.join(configDir, 'boxes', `${id}.json`);
  expect(mode(passwordFile)).toBe(0o600);

  // ls and show, for people and for scripts.
  const ls = await vibebox(['ls']);
  expect(ls.stdout.split('\n')[0]).toMatch(/^ID +STATUS +STEP +PLAN +WHERE +SSH$/);
  expect(ls.stdout).toMatch(new RegExp(`^${id} +active +ready +basic +docker/local +root@127\\.0\\.0\\.1:\\d+$`, 'm'));
  const api = (await p.call(alice.token, 'GET', `/api/vibeboxes/${id}`)).body;
  expect(JSON.parse((await vibebox(['ls', '--json'])).stdout)).toEqual([api]);
  expect(JSON.parse((await vibebox(['show', id, '--json'])).stdout)).toEqual(api);

  // ssh: runs the command with the saved password and hands back its exit code.
  expect(await vibebox(['ssh', id, '--', 'whoami'])).toMatchObject({ code: 0, stdout: 'root\n' });
  expect((await vibebox(['ssh', id, '--', 'exit', '3'])).code).toBe(3);
  // A box presenting another host key than the pinned one gets no password: exit 9.
  const pinned = api.sshHostKeyFingerprint as string;
  await p.database.db.update(vibeboxes).set({ sshHostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }).where(eq(vibeboxes.id, id));
  const mismatch = await vibebox(['ssh', id, '--', 'whoami']);
  await p.database.db.update(vibeboxes).set({ sshHostKey: pinned }).where(eq(vibeboxes.id, id));
  expect(mismatch).toMatchObject({ code: EXIT.hostKeyMismatch, stdout: '', stderr: expect.stringContaining(pinned) });

  // stop / start / restart --wait settle where asked; an illegal action is refused with the reason.
  expect(await vibebox(['stop', id, '--wait'])).toMatchObject({ code: EXIT.ok, stdout: `${id} is stopped\n` });
  expect(await vibebox(['ssh', id, '--', 'true'])).toMatchObject({ code: EXIT.refused, stderr: expect.stringContaining('stopped') });
  expect(await vibebox(['stop', id])).toMatchObject({ code: EXIT.refused, stderr: expect.stringContaining('cannot stop a VibeBox that is stopped') });
  expect(await vibebox(['start', id, '--wait'])).toMatchObject({ code: EXIT.ok, stdout: expect.stringMatching(/^id .*\nstatus +active/) });
  const restarted = await vibebox(['restart', id, '--wait', '--json']);
  expect(restarted.code).toBe(EXIT.ok);
  expect(JSON.parse(restarted.stdout)).toMatchObject({ id, status: 'active', step: 'ready' });
  expect((await vibebox(['retry', id])).code).toBe(EXIT.refused); // only a box in error is retried
  // A --wait that runs out says so (exit 8); not waiting is not cancelling: the restart goes on.
  const impatient = await vibebox(['restart', id, '--wait', '--timeout', '0.05']);
  expect(impatient).toMatchObject({ code: EXIT.timeout, stderr: expect.stringContaining(`gave up waiting for ${id} after 0.05 s`) });
  await eventually(() => p.call(alice.token, 'GET', `/api/vibeboxes/${id}`), (r) => r.body.status === 'active', 5 * 60_000, 500);

  // A box broken behind the platform's back: the stop fails (exit 6, with the reason), retry brings it back.
  await docker.getContainer(api.resourceId).remove({ force: true });
  const broken = await vibebox(['stop', id, '--wait']);
  expect(broken).toMatchObject({ code: EXIT.boxFailed, stdout: expect.stringMatching(new RegExp(`^${id} is error: stop failed`)) });
  const retried = await vibebox(['retry', id, '--wait', '--json']);
  expect(retried.code).toBe(EXIT.ok);
  const back = JSON.parse(retried.stdout);
  expect(back).toMatchObject({ id, status: 'active', step: 'ready', lastError: null });
  expect(back.resourceId).not.toBe(api.resourceId);
  expect(await vibebox(['ssh', id, '--', 'whoami'])).toMatchObject({ code: 0, stdout: 'root\n' });

  // delete --wait follows the box to its end and forgets its password.
  expect(await vibebox(['delete', id, '--wait'])).toMatchObject({ code: EXIT.ok, stdout: `${id} is deleted\n` });
  expect(fs.existsSync(passwordFile)).toBe(false);
  expect((await vibebox(['show', id])).code).toBe(EXIT.notFound);
});

it('says the API is unreachable with exit 7', async () => {
  const bob = await p.newUser();
  const unreachable = await vibebox(['ls'], { env: { VIBEBOX_API_URL: 'http://127.0.0.1:9', VIBEBOX_TOKEN: bob.token } });
  expect(unreachable).toMatchObject({ code: EXIT.unavailable, stderr: expect.stringContaining('cannot reach the API at http://127.0.0.1:9') });
});
