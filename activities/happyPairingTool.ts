/**
 * The platform's handle on Happy pairing inside a box, over an SSH session: installs the box-side
 * tool (activities/box/happy-pairing.{sh,mjs}, run as root, acting as the Happy user) and runs its
 * commands, reading back only their `::<tag> <json>` lines. The pairing key pair is made and kept
 * in the box and the account token goes from the relay straight into `access.key` there: what
 * comes back over SSH is public keys, times, outcomes and booleans.
 *
 * Knows no Temporal: the activities (happyPairing.ts) add heartbeats and cancellation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { redactText } from '../lib/redact';
import type { SshSession } from '../lib/ssh';
import type { FailureKind } from '../providers/calls';
import { ProviderError } from '../providers/errors';
import { asRoot } from './boxSession';
import { shellQuote, WRITE_IF_CHANGED } from './happyScript';

const BOX_DIR = '/usr/local/lib/vibebox';
const WRAPPER = `${BOX_DIR}/happy-pairing`;
/** Box output is untrusted: the tool prints a few short lines, so anything past this is cut. */
const MAX_OUTPUT_CHARS = 64_000;

const boxFile = (name: string) => fs.readFileSync(path.join(__dirname, 'box', name), 'utf8');

/** The installer: both files, rewritten only when they differ (so every call may run it). */
export function pairingToolInstaller(): string {
  const heredoc = (file: string, mode: string, name: string, content: string, delimiter: string) =>
    `write_if_changed ${file} ${mode} ${name} <<'${delimiter}'\n${content.endsWith('\n') ? content : content + '\n'}${delimiter}\n`;
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    'changed=()',
    WRITE_IF_CHANGED,
    heredoc(`${BOX_DIR}/happy-pairing.mjs`, '0644', 'program', boxFile('happy-pairing.mjs'), 'VIBEBOX_HAPPY_PAIRING_MJS'),
    heredoc(WRAPPER, '0755', 'wrapper', boxFile('happy-pairing.sh'), 'VIBEBOX_HAPPY_PAIRING_SH'),
    'echo "::installed {\\"changed\\":$(printf \'%s\\n\' "${changed[@]:-}" | grep -c . || true)}"',
  ].join('\n');
}

export type CredentialsKind = 'v1' | 'v2';

export type BeginReport =
  | { alreadyPaired: true }
  | { alreadyPaired?: false; publicKey: string; expiresAt: string; reused: boolean; relayState: 'requested' | 'authorized' };

export type WaitOutcome =
  | { outcome: 'paired'; credentials: CredentialsKind; already?: boolean }
  | { outcome: 'expired' | 'superseded' | 'missing' }
  | { outcome: 'refused'; reason: string };

export interface DaemonReport {
  running: boolean;
  /** Its log shows its socket reached the relay. */
  online: boolean;
  pid?: number;
  startedWithCliVersion?: string | null;
}

/** `happy auth status`, reduced to its three check marks. */
export interface AuthReport {
  authenticated: boolean;
  machineRegistered: boolean;
  daemonRunning: boolean;
}

export interface HappyBoxStatus {
  credentials: CredentialsKind | null;
  /** Octal mode of access.key, e.g. "600". */
  accessKeyMode: string | null;
  pending: { publicKey: string; expiresAt: string; expired: boolean } | null;
  machineId: string | null;
  daemon: DaemonReport;
  auth: AuthReport;
}

export interface ActivationReport {
  /** happy-coder's id for this box at the relay (settings.json), set by `happy auth login`. */
  machineId: string | null;
  daemon: DaemonReport;
  auth: AuthReport;
}

export interface PairingToolOptions {
  /** The SSH login: root runs the tool directly, anyone else through `sudo -n`. */
  loginUser: string;
  /** The box user that runs Happy (HAPPY_USER). */
  happyUser: string;
}

const ERROR_KINDS: Record<string, FailureKind> = {
  usage: 'InvalidRequest',
  'no-user': 'InvalidState',
  'no-happy': 'InvalidState',
};

export class HappyPairingTool {
  constructor(
    private readonly session: SshSession,
    private readonly opts: PairingToolOptions,
  ) {}

  /** Puts (or refreshes) the tool in the box. Cheap when it is already there. */
  async install(): Promise<void> {
    await this.run('install', asRoot(this.opts.loginUser, 'bash -s'), { stdin: pairingToolInstaller() });
  }

  /** A pairing key for `ttlMs` from now: kept while unexpired, else a new one; registered with the relay. */
  async begin(ttlMs: number): Promise<BeginReport> {
    return (await this.command('begin', [String(Math.max(1, Math.round(ttlMs)))])).begin as BeginReport;
  }

  /**
   * Waits in the box for the phone's answer to `publicKey` and stores it. Returns when paired,
   * refused, expired or superseded; closing the session stops the wait (the key stays for a retry).
   */
  async wait(publicKey: string, onPoll?: (poll: { polls: number; relay?: string | number }) => void): Promise<WaitOutcome> {
    const lines = new LineReader((tag, value) => tag === 'poll' && onPoll?.(value as { polls: number }));
    const tags = await this.command('wait', [publicKey], { keepStdinOpen: true, onOutput: (chunk) => lines.push(chunk) });
    if (!tags.outcome) throw new ProviderError('Transient', 'Happy pairing (wait) in the box ended without an outcome');
    return tags.outcome as WaitOutcome;
  }

  /** Registers the machine, starts the daemon, and waits up to `timeoutMs` for it to reach the relay. */
  async activate(timeoutMs: number): Promise<ActivationReport> {
    return activationReport(await this.command('activate', [String(Math.round(timeoutMs))]));
  }

  /** What the box holds now; with `waitForDaemonMs`, after waiting that long at most for the daemon to come online. */
  async status(waitForDaemonMs?: number): Promise<HappyBoxStatus> {
    const tags = await this.command('status', waitForDaemonMs ? [String(Math.round(waitForDaemonMs))] : []);
    return { ...(tags.status as Omit<HappyBoxStatus, 'auth'>), auth: tags.auth as AuthReport };
  }

  /** Stops the daemon and removes the credentials, any pending key and the machine id. */
  async unpair(): Promise<{ removed: string[] } & ActivationReport> {
    const tags = await this.command('unpair', []);
    return { ...(tags.forgot as { removed: string[] }), ...activationReport(tags) };
  }

  private command(name: string, args: string[], opts: { keepStdinOpen?: boolean; onOutput?: (chunk: string) => void } = {}) {
    const line = [WRAPPER, this.opts.happyUser, name, ...args].map(shellQuote).join(' ');
    return this.run(name, asRoot(this.opts.loginUser, line), opts);
  }

  private async run(
    name: string,
    command: string,
    opts: { stdin?: string; keepStdinOpen?: boolean; onOutput?: (chunk: string) => void },
  ): Promise<Record<string, unknown>> {
    const result = await this.session.exec(command, { ...opts, maxOutputChars: MAX_OUTPUT_CHARS });
    const tags = parseTags(result.stdout);
    const error = tags.error as { code?: string; message?: string } | undefined;
    if (error) {
      throw new ProviderError(ERROR_KINDS[error.code ?? ''] ?? 'Transient', `Happy pairing (${name}) in the box failed: ${error.message ?? error.code}`, {
        code: error.code,
      });
    }
    if (result.code !== 0) {
      // No secret passes through stderr (the tool never prints one); redacted all the same.
      const why = redactText(result.stderr.trim().slice(-300)) || `exit ${result.code}`;
      throw new ProviderError('Transient', `Happy pairing (${name}) in the box failed (exit ${result.code}): ${why}`);
    }
    return tags;
  }
}

/** The `::daemon` (which names the machine id too) and `::auth` lines of activate and unpair. */
function activationReport(tags: Record<string, unknown>): ActivationReport {
  const { machineId, ...daemon } = tags.daemon as DaemonReport & { machineId: string | null };
  return { machineId, daemon, auth: tags.auth as AuthReport };
}

/** The `::<tag> <json>` lines of a tool run, the last of each tag winning. */
export function parseTags(stdout: string): Record<string, unknown> {
  const tags: Record<string, unknown> = {};
  for (const m of stdout.matchAll(/^::([a-z-]+) (.*)$/gm)) {
    try {
      tags[m[1]] = JSON.parse(m[2]);
    } catch {
      /* not one of ours */
    }
  }
  return tags;
}

/** Reassembles lines from output chunks so progress lines are seen whole as they arrive. */
class LineReader {
  private partial = '';

  constructor(private readonly onTag: (tag: string, value: unknown) => void) {}

  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!.slice(-4_000);
    for (const [tag, value] of Object.entries(parseTags(lines.join('\n')))) this.onTag(tag, value);
  }
}
