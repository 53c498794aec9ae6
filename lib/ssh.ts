/** A small promise API over ssh2: connect with password (retrying while sshd comes up) and run commands. */
import { createHash } from 'node:crypto';
import { Client, ClientChannel, ConnectConfig } from 'ssh2';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  /** The host key fingerprint seen before (`SHA256:…`); a different key is refused before the password is sent. */
  expectHostKey?: string;
}

export class HostKeyMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`host key changed: expected ${expected}, got ${actual}`);
    this.name = 'HostKeyMismatchError';
  }
}

/** OpenSSH's fingerprint form, as `ssh-keygen -lf` prints it. */
export function fingerprint(hostKey: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(hostKey).digest('base64').replace(/=+$/, '');
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when a stream passed `maxOutputChars` and only its tail was kept. */
  truncated: boolean;
}

export interface ExecOptions {
  /** Written to the command's stdin — the way to pass secrets and scripts. */
  stdin?: string;
  /**
   * Leave stdin open after `stdin` (if any): the command sees end-of-file only when the session
   * closes, which is how a long-running box command learns its caller went away.
   */
  keepStdinOpen?: boolean;
  onOutput?: (chunk: string) => void;
  /** Each of stdout and stderr keeps at most its last this-many characters (box output is untrusted). */
  maxOutputChars?: number;
}

export const DEFAULT_MAX_OUTPUT_CHARS = 1_000_000;

export class SshSession {
  private constructor(
    private readonly client: Client,
    /** The fingerprint of the key the host presented. */
    readonly hostKey: string,
  ) {}

  /**
   * Connects, retrying refused/reset connections until `deadlineMs` (a fresh box's sshd takes a
   * moment). The deadline is the caller's policy (workflows/policies.ts `configure`).
   */
  static async open(target: SshTarget, opts: { deadlineMs: number; onRetry?: (err: Error) => void; signal?: AbortSignal }): Promise<SshSession> {
    const deadline = Date.now() + opts.deadlineMs;
    for (let delay = 500; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        const { client, hostKey } = await connect(target, opts.signal);
        return new SshSession(client, hostKey);
      } catch (err) {
        const e = err as Error & { level?: string };
        // Wrong credentials or a changed host key will not fix themselves; anything network-ish might.
        if (err instanceof HostKeyMismatchError || e.level === 'client-authentication' || opts.signal?.aborted || Date.now() + delay > deadline) throw err;
        opts.onRetry?.(e);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Runs `command` and resolves with its exit code and (capped) output. */
  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const cap = opts.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err) return reject(err);
        let stdout = '';
        let stderr = '';
        let truncated = false;
        const keep = (buffer: string, chunk: string) => {
          const next = buffer + chunk;
          if (next.length <= cap) return next;
          truncated = true;
          return next.slice(-cap);
        };
        // Decoded as streams, so a character split across two packets arrives whole.
        stream.setEncoding('utf8');
        stream.stderr.setEncoding('utf8');
        stream.on('data', (d: string) => {
          stdout = keep(stdout, d);
          opts.onOutput?.(d);
        });
        stream.stderr.on('data', (d: string) => {
          stderr = keep(stderr, d);
          opts.onOutput?.(d);
        });
        stream.on('close', (code: number | null) => resolve({ code: code ?? -1, stdout, stderr, truncated }));
        stream.on('error', reject);
        if (opts.stdin !== undefined) stream.write(opts.stdin);
        if (!opts.keepStdinOpen) stream.end();
      });
    });
  }

  /**
   * An interactive login shell on a pseudo-terminal of the given size: the caller wires its
   * terminal to the returned stream (and resizes it with `setWindow`).
   */
  shell(window: { rows: number; cols: number; term?: string }): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.shell({ rows: window.rows, cols: window.cols, term: window.term ?? 'xterm-256color' }, (err, stream) => (err ? reject(err) : resolve(stream)));
    });
  }

  close(): void {
    this.client.end();
  }
}

/** One connection attempt; `signal` (the caller gave up) ends it at once, handshake or not. */
function connect(target: SshTarget, signal?: AbortSignal): Promise<{ client: Client; hostKey: string }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    if (signal?.aborted) return reject(new Error('ssh connect abandoned: the caller gave up'));
    const abandon = () => {
      client.end();
      reject(new Error('ssh connect abandoned: the caller gave up'));
    };
    signal?.addEventListener('abort', abandon, { once: true });
    client.once('ready', () => signal?.removeEventListener('abort', abandon));
    client.once('error', () => signal?.removeEventListener('abort', abandon));
    let seen = '';
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      password: target.password,
      readyTimeout: 20_000,
      keepaliveInterval: 10_000,
      // Trust on first use: the first key is recorded by the caller and expected from then on.
      hostVerifier: (key: Buffer) => {
        seen = fingerprint(key);
        return !target.expectHostKey || target.expectHostKey === seen;
      },
    };
    let settled = false;
    client.once('ready', () => {
      settled = true;
      resolve({ client, hostKey: seen });
    });
    // Heard for the client's whole life: ssh2 may report one failure twice (a reset socket, then
    // "Connection lost before handshake" — a box restarting behind its published port), and a
    // live session's connection may fail later (its commands then fail on their own). An error
    // event nobody hears would end the process.
    client.on('error', (err) => {
      if (settled) return;
      settled = true;
      client.end();
      const refusedKey = target.expectHostKey && seen && seen !== target.expectHostKey;
      reject(refusedKey ? new HostKeyMismatchError(target.expectHostKey!, seen) : err);
    });
    client.connect(config);
  });
}
