/**
 * An SSH session into a box for an activity: the box's own login password from Postgres (sealed
 * at rest), its host key pinned on first use and required from then on, retries heartbeated while
 * sshd comes up, and the session closed at once if the activity is cancelled. Shared by
 * configureHappy and the Happy pairing activities.
 */
import { Context } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { vibeboxes } from '../drizzle/schema';
import type { DatabaseRetry, Db } from '../lib/db';
import type { SecretBox } from '../lib/secretBox';
import { HostKeyMismatchError, SshSession } from '../lib/ssh';
import { ProviderError } from '../providers/errors';
import { databaseSteps } from './databaseSteps';
import { heartbeating } from './heartbeat';

export interface BoxSessionDeps {
  db: Db;
  secrets: SecretBox;
  /** When given, the session's Postgres reads and writes wait out an outage (see databaseSteps). */
  databaseRetry?: DatabaseRetry;
}

/** Where a box's SSH answers, and with which login (root, or e.g. `ubuntu` with sudo). */
export interface BoxAddress {
  vibeboxId: string;
  host: string;
  port: number;
  user: string;
  /** How long to keep trying to connect while a fresh box's sshd comes up (policies.configure). */
  connectDeadlineMs: number;
}

/** How to run a root command over a login: as is for root, through `sudo -n` for anyone else. */
export const asRoot = (loginUser: string, command: string): string => (loginUser === 'root' ? command : `sudo -n ${command}`);

/** Opens the session, runs `fn` with it, closes it; cancellation of the activity closes it early. */
export async function withBoxSession<T>(deps: BoxSessionDeps, address: BoxAddress, fn: (session: SshSession) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const step = deps.databaseRetry ? databaseSteps(deps.databaseRetry) : <R>(fn: () => Promise<R>) => fn();
  const [row] = await step(() =>
    deps.db.select({ sealed: vibeboxes.sshPasswordEnc, hostKey: vibeboxes.sshHostKey }).from(vibeboxes).where(eq(vibeboxes.id, address.vibeboxId)),
  );
  if (!row?.sealed) throw new ProviderError('InvalidRequest', `no login password on record for ${address.vibeboxId}`);
  const sealed = row.sealed;
  // Heartbeats while connecting too: a box deleted meanwhile cancels the activity, and only a
  // heartbeat brings that news — which then ends the connection attempt at once.
  const session = await heartbeating(
    () => ({ step: 'connect' }),
    () =>
      SshSession.open(
        {
          host: address.host,
          port: address.port,
          username: address.user,
          password: deps.secrets.open(sealed),
          expectHostKey: row.hostKey ?? undefined,
        },
        { deadlineMs: address.connectDeadlineMs, signal: ctx.cancellationSignal },
      ),
  ).catch((err: Error & { level?: string }) => {
    const kind = err instanceof HostKeyMismatchError || err.level === 'client-authentication' ? 'AuthFailed' : 'Transient';
    throw new ProviderError(kind, `ssh to ${address.host}:${address.port} failed: ${err.message}`);
  });
  // The cancellation of the activity (workflow gave up) closes the session at once.
  const onCancel = () => session.close();
  ctx.cancellationSignal.addEventListener('abort', onCancel);
  try {
    // Trust on first use: the key seen now is the one every later connection must present,
    // and the one users can check their first `ssh` against (the API shows it).
    if (!row.hostKey) await step(() => deps.db.update(vibeboxes).set({ sshHostKey: session.hostKey }).where(eq(vibeboxes.id, address.vibeboxId)));
    return await fn(session);
  } finally {
    ctx.cancellationSignal.removeEventListener('abort', onCancel);
    session.close();
  }
}
