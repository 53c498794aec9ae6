/**
 * What the user CLI keeps between runs, under ~/.config/vibebox (or $VIBEBOX_CONFIG_DIR, else
 * $XDG_CONFIG_HOME/vibebox): the API address and bearer token from `login`, and each box's
 * one-time SSH password from `create` (the API shows it once, `ssh` needs it later). The folder
 * is 0700 and every file 0600, written whole (temp file + rename) so a crash leaves no half token.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Login {
  apiUrl: string;
  token: string;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VIBEBOX_CONFIG_DIR) return env.VIBEBOX_CONFIG_DIR;
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'vibebox');
}

function writePrivate(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
}

const loginFile = (dir: string) => path.join(dir, 'config.json');
/** Box ids are `vb-` and ten [a-z0-9]: checked before they name a file. */
const boxFile = (dir: string, id: string) => {
  if (!/^vb-[a-z0-9]{10}$/.test(id)) throw new Error(`not a VibeBox id: ${id}`);
  return path.join(dir, 'boxes', `${id}.json`);
};

export function saveLogin(dir: string, login: Login): string {
  writePrivate(loginFile(dir), login);
  return loginFile(dir);
}

export const loadLogin = (dir: string) => readJson<Login>(loginFile(dir));

export function saveBoxPassword(dir: string, id: string, password: string): string {
  writePrivate(boxFile(dir, id), { password });
  return boxFile(dir, id);
}

export const loadBoxPassword = (dir: string, id: string) => readJson<{ password: string }>(boxFile(dir, id))?.password;

export function forgetBox(dir: string, id: string): void {
  fs.rmSync(boxFile(dir, id), { force: true });
}
