/**
 * configureHappy: over SSH with the box's own credentials, make the box ready to code — a
 * non-root user, Node.js, happy-coder and Claude Code, Happy's environment and daemon service —
 * then check `happy --version`. Idempotent; heartbeats each step.
 */
import { Context } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { vibeboxes } from '../drizzle/schema';
import type { Db } from '../lib/db';
import type { SecretBox } from '../lib/secretBox';
import { HostKeyMismatchError, SshSession } from '../lib/ssh';
import { ProviderError } from '../providers/errors';
import { asActivity } from './failures';
import { heartbeating } from './heartbeat';
import { HappyScriptReport, HappySettings, happyScript, parseReport } from './happyScript';

export interface ConfigureHappyDeps {
  db: Db;
  secrets: SecretBox;
  happy: HappySettings;
}

export interface ConfigureHappyInput {
  vibeboxId: string;
  host: string;
  port: number;
  user: string;
  /** How long to keep trying to connect while a fresh box's sshd comes up (policies.configure). */
  connectDeadlineMs: number;
}

export const createHappyActivities = ({ db, secrets, happy }: ConfigureHappyDeps) => ({
  async configureHappy(input: ConfigureHappyInput): Promise<HappyScriptReport> {
    return asActivity(async () => {
      const ctx = Context.current();
      const [row] = await db
        .select({ sealed: vibeboxes.sshPasswordEnc, hostKey: vibeboxes.sshHostKey })
        .from(vibeboxes)
        .where(eq(vibeboxes.id, input.vibeboxId));
      if (!row?.sealed) throw new ProviderError('InvalidRequest', `no login password on record for ${input.vibeboxId}`);
      const sealed = row.sealed;
      // Heartbeats while connecting too: a box deleted meanwhile cancels the activity, and only a
      // heartbeat brings that news — which then ends the connection attempt at once.
      const session = await heartbeating(
        () => ({ step: 'connect' }),
        () =>
          SshSession.open(
            {
              host: input.host,
              port: input.port,
              username: input.user,
              password: secrets.open(sealed),
              expectHostKey: row.hostKey ?? undefined,
            },
            { deadlineMs: input.connectDeadlineMs, signal: ctx.cancellationSignal },
          ),
      ).catch((err: Error & { level?: string }) => {
        const kind = err instanceof HostKeyMismatchError || err.level === 'client-authentication' ? 'AuthFailed' : 'Transient';
        throw new ProviderError(kind, `ssh to ${input.host}:${input.port} failed: ${err.message}`);
      });
      // Trust on first use: the key seen now is the one every later connection must present,
      // and the one users can check their first `ssh` against (the API shows it).
      if (!row.hostKey) await db.update(vibeboxes).set({ sshHostKey: session.hostKey }).where(eq(vibeboxes.id, input.vibeboxId));
      // The cancellation of the activity (workflow gave up) closes the session at once.
      const onCancel = () => session.close();
      ctx.cancellationSignal.addEventListener('abort', onCancel);
      try {
        let tail = '';
        let step = 'start';
        // Root runs the script as it is; another login (e.g. `ubuntu` on cloud images) through sudo.
        const shell = input.user === 'root' ? 'bash -s' : 'sudo -n bash -s';
        const result = await heartbeating(
          () => ({ step }),
          () =>
            session.exec(shell, {
              stdin: happyScript(happy),
              onOutput: (chunk) => {
                tail = (tail + chunk).slice(-4_000);
                for (const m of chunk.matchAll(/^::step (\S+)/gm)) step = m[1];
              },
            }),
        );
        if (result.code !== 0) {
          throw new ProviderError('Transient', `Happy setup failed (exit ${result.code}): ${tail.trim().slice(-800)}`);
        }
        const report = parseReport(result.stdout);
        if (!/\d+\.\d+/.test(report.happyVersion)) {
          throw new ProviderError('Transient', `happy --version did not print a version: "${report.happyVersion}"`);
        }
        return report;
      } finally {
        ctx.cancellationSignal.removeEventListener('abort', onCancel);
        session.close();
      }
    });
  },
});

export type HappyActivities = ReturnType<typeof createHappyActivities>;
