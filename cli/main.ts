/**
 * `vibebox`, the user CLI (package.json bin; `npx vibebox …` in this repository). Talks only HTTP
 * to the API. Results go to stdout (a table, or one JSON document with --json), progress and
 * errors to stderr, and the exit code says what happened (cli/exitCodes.ts, docs/cli.md).
 */
import type { VibeBox } from '../api/schemas';
import { flagString, parseArgs, Parsed } from './args';
import { CliError, EXIT, ExitCode } from './exitCodes';
import { ApiClient } from './http';
import { followUntilSettled, stepLabel } from './progress';
import { configDir, forgetBox, loadBoxPassword, loadLogin, saveBoxPassword, saveLogin } from './settings';
import { sshToBox } from './sshCommand';

const USAGE = `usage: vibebox <command> [options]

  login [--api URL] [--token TOKEN]      store the API address and token (token also from $VIBEBOX_TOKEN or stdin)
  create --plan PLAN [--provider P] [--region R] [--wait] [--timeout SECONDS]
  ls                                      your boxes
  show ID
  ssh ID [-- COMMAND…]                    log in (password from create, host key pinned by the API)
  start|stop|restart|retry|delete ID [--wait] [--timeout SECONDS]

  --json   one JSON document on stdout (for scripts)
  --api    API address (default: from login, or $VIBEBOX_API_URL)

exit codes: 0 ok, 1 failure, 2 usage, 3 not logged in / token refused, 4 no such box,
            5 refused by the API, 6 the box failed, 7 API or box unreachable, 8 --wait timed out,
            9 the box's host key differs from the pinned one
`;

interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
}

const ACTIONS = { start: 'active', stop: 'stopped', restart: 'active', retry: 'active', delete: 'deleted' } as const;
type Action = keyof typeof ACTIONS;

const FLAGS: Record<string, { valued?: string[]; switches?: string[] }> = {
  login: { valued: ['api', 'token'], switches: ['json'] },
  create: { valued: ['api', 'plan', 'provider', 'region', 'timeout'], switches: ['wait', 'json'] },
  ls: { valued: ['api'], switches: ['json'] },
  show: { valued: ['api'], switches: ['json'] },
  ssh: { valued: ['api'] },
  ...Object.fromEntries(Object.keys(ACTIONS).map((a) => [a, { valued: ['api', 'timeout'], switches: ['wait', 'json'] }])),
};

export async function run(argv: string[], io: Io): Promise<ExitCode | number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out.write(USAGE);
    return command ? EXIT.ok : EXIT.usage;
  }
  const spec = FLAGS[command];
  if (!spec) throw new CliError(EXIT.usage, `unknown command "${command}"\n\n${USAGE}`);
  const args = parseArgs(rest, spec);
  const json = args.flags.json === true;
  const dir = configDir(io.env);
  const print = (human: string, data: unknown) => io.out.write(json ? JSON.stringify(data, null, 2) + '\n' : human);

  if (command === 'login') return login(args, io, dir, print);

  const api = client(args, io, dir);
  switch (command) {
    case 'create': {
      const plan = flagString(args, 'plan');
      if (!plan) throw new CliError(EXIT.usage, 'create needs --plan (basic, pro or enterprise)');
      const body = { planId: plan, providerType: flagString(args, 'provider'), region: flagString(args, 'region') };
      const created = await api.json<VibeBox & { sshPassword: string }>('POST', '/api/vibeboxes', body);
      const saved = saveBoxPassword(dir, created.id, created.sshPassword);
      if (!json) io.err.write(`${created.id} created (plan ${created.planId}); its SSH password is saved in ${saved}\n`);
      if (!args.flags.wait) {
        print(`${created.id}\n`, created);
        return EXIT.ok;
      }
      return settle(api, created.id, 'active', args, io, print, { sshPassword: created.sshPassword });
    }
    case 'ls': {
      const { items } = await api.json<{ items: VibeBox[] }>('GET', '/api/vibeboxes');
      print(table(items), items);
      return EXIT.ok;
    }
    case 'show': {
      const box = await api.getBox(oneId(args));
      print(describe(box), box);
      return EXIT.ok;
    }
    case 'ssh': {
      const id = oneId(args);
      const box = await api.getBox(id);
      const password = io.env.VIBEBOX_SSH_PASSWORD ?? loadBoxPassword(dir, id);
      if (!password) throw new CliError(EXIT.auth, `no SSH password for ${id}: it is kept only by the vibebox that created it (or set VIBEBOX_SSH_PASSWORD)`);
      return sshToBox(box, password, args.rest, (line) => io.err.write(line + '\n'));
    }
    default: {
      const action = command as Action;
      const id = oneId(args);
      // The box as it was: only a change after this counts as the action's outcome.
      const before = args.flags.wait ? await api.getBox(id) : undefined;
      const path = action === 'delete' ? `/api/vibeboxes/${id}` : `/api/vibeboxes/${id}/${action}`;
      const accepted = await api.json<{ message: string; status: string }>(action === 'delete' ? 'DELETE' : 'POST', path);
      if (!args.flags.wait) {
        print(`${id}: ${accepted.message}\n`, { id, ...accepted });
        return EXIT.ok;
      }
      if (!json) io.err.write(`${id}: ${accepted.message}\n`);
      return settle(api, id, ACTIONS[action], args, io, print, {}, before?.updatedAt);
    }
  }
}

/** Follows the box until it settles and reports the outcome: ok only if it settled as wanted. */
async function settle(
  api: ApiClient,
  id: string,
  want: (typeof ACTIONS)[Action],
  args: Parsed,
  io: Io,
  print: (human: string, data: unknown) => void,
  extra: Record<string, unknown>,
  after?: string,
): Promise<ExitCode> {
  const timeout = flagString(args, 'timeout');
  if (timeout !== undefined && !(Number(timeout) > 0)) throw new CliError(EXIT.usage, '--timeout takes a number of seconds');
  const json = args.flags.json === true;
  const settled = await followUntilSettled(api, id, { after, timeoutMs: timeout ? Number(timeout) * 1000 : undefined, out: json ? undefined : io.err });
  if (settled.deleted) {
    if (want === 'deleted') forgetBox(configDir(io.env), id);
    print(`${id} is deleted\n`, { id, status: 'deleted' });
    return want === 'deleted' ? EXIT.ok : EXIT.boxFailed;
  }
  const { box } = settled;
  print(box.status === 'active' ? describe(box) : `${id} is ${box.status}${box.lastError ? `: ${box.lastError}` : ''}\n`, { ...box, ...extra });
  return box.status === want ? EXIT.ok : EXIT.boxFailed;
}

async function login(args: Parsed, io: Io, dir: string, print: (human: string, data: unknown) => void): Promise<ExitCode> {
  const apiUrl = flagString(args, 'api') ?? io.env.VIBEBOX_API_URL ?? loadLogin(dir)?.apiUrl;
  if (!apiUrl) throw new CliError(EXIT.usage, 'login needs --api URL (the VibeBox API address)');
  const token = flagString(args, 'token') ?? io.env.VIBEBOX_TOKEN ?? (await firstLine(io.stdin));
  if (!token) throw new CliError(EXIT.usage, 'no token: pass --token, set VIBEBOX_TOKEN, or pipe it on stdin');
  // A token the API refuses is not stored (401 → exit 3).
  const { items } = await new ApiClient(apiUrl, token).json<{ items: VibeBox[] }>('GET', '/api/vibeboxes');
  const file = saveLogin(dir, { apiUrl, token });
  print(`logged in to ${apiUrl} (${items.length} box${items.length === 1 ? '' : 'es'}); token saved in ${file}\n`, { apiUrl, boxes: items.length, saved: file });
  return EXIT.ok;
}

function client(args: Parsed, io: Io, dir: string): ApiClient {
  const saved = loadLogin(dir);
  const apiUrl = flagString(args, 'api') ?? io.env.VIBEBOX_API_URL ?? saved?.apiUrl;
  const token = io.env.VIBEBOX_TOKEN ?? saved?.token;
  if (!apiUrl || !token) throw new CliError(EXIT.auth, 'not logged in: run vibebox login --api URL first');
  return new ApiClient(apiUrl, token);
}

function oneId(args: Parsed): string {
  const [id, extra] = args.positionals;
  if (!id || extra !== undefined) throw new CliError(EXIT.usage, 'give exactly one VibeBox id (see vibebox ls)');
  if (!/^vb-[a-z0-9]{10}$/.test(id)) throw new CliError(EXIT.usage, `not a VibeBox id: ${id}`);
  return id;
}

async function firstLine(stdin: NodeJS.ReadStream): Promise<string | undefined> {
  if (stdin.isTTY) return undefined;
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0].trim() || undefined;
}

const place = (b: VibeBox) => [b.providerType ?? '—', b.region ?? '—'].join('/');
const address = (b: VibeBox) => (b.ipAddress && b.sshPort ? `${b.sshUser ?? 'root'}@${b.ipAddress}:${b.sshPort}` : '—');

function table(items: VibeBox[]): string {
  const rows = [['ID', 'STATUS', 'STEP', 'PLAN', 'WHERE', 'SSH'], ...items.map((b) => [b.id, b.status, b.step ?? '—', b.planId, place(b), address(b)])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

function describe(b: VibeBox): string {
  const lines: Array<[string, string | null]> = [
    ['id', b.id],
    ['status', b.status],
    ['step', `${b.step ?? '—'} (${stepLabel(b.step)})`],
    ['plan', b.planId],
    ['where', place(b)],
    ['ssh', b.ipAddress && b.sshPort ? `vibebox ssh ${b.id}   (${address(b)})` : null],
    ['host key', b.sshHostKeyFingerprint],
    ['last error', b.lastError],
    ['updated', b.updatedAt],
  ];
  return lines.filter(([, v]) => v).map(([k, v]) => `${k.padEnd(10)} ${v}`).join('\n') + '\n';
}

/** The process entry (bin/vibebox.js, or `tsx cli/main.ts`): run, report, exit with the code. */
export function main(argv = process.argv.slice(2)): void {
  run(argv, { out: process.stdout, err: process.stderr, env: process.env, stdin: process.stdin }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const code = err instanceof CliError ? err.exitCode : EXIT.failure;
      process.stderr.write(`vibebox: ${(err as Error).message}\n`);
      process.exit(code);
    },
  );
}

if (require.main === module) main();
