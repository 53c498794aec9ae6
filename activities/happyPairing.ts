/**
 * Happy pairing activities: pair a box's Happy CLI with the subscriber's Happy account without a
 * terminal. The workflow calls beginHappyPairing (a key pair made in the box, registered with the
 * relay; the link comes back), shows the link, then completeHappyPairing (waits in the box for the
 * phone's answer, writes access.key 0600, registers the machine, starts the daemon and checks it
 * reached the relay). Expiry is the workflow's: it passes `expiresAt` and decides what an expired
 * or refused pairing leads to.
 *
 * History holds only what these return: public keys, links, times, outcomes, booleans. The pairing
 * private key and the account token never leave the box (see happyPairingTool.ts).
 */
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { DatabaseRetry, Db } from '../lib/db';
import type { SecretBox } from '../lib/secretBox';
import { ProviderError } from '../providers/errors';
import { DEFAULT_HAPPY_WEBAPP_URL, pairingLinks } from '../happy/links';
import { BoxAddress, withBoxSession } from './boxSession';
import { asActivity } from './failures';
import type { HappySettings } from './happyScript';
import { ActivationReport, CredentialsKind, HappyBoxStatus, HappyPairingTool } from './happyPairingTool';
import { heartbeating } from './heartbeat';

export interface HappyPairingDeps {
  db: Db;
  secrets: SecretBox;
  happy: HappySettings;
  /** The session's Postgres steps wait out an outage (see databaseSteps). */
  databaseRetry?: DatabaseRetry;
}

export interface BeginHappyPairingInput extends BoxAddress {
  /** When this pairing lapses (ISO time, from the workflow's clock). */
  expiresAt: string;
}

export type HappyPairingStart =
  | { state: 'paired' }
  | {
      state: 'pending';
      /** The terminal's public key, base64: the relay's and the workflow's handle on the request. */
      publicKey: string;
      /** `happy://terminal?…` for the app (and the QR code). */
      link: string;
      webLink: string;
      expiresAt: string;
      /** The key of a still-valid pairing was kept (its expiry moved); false when it is new. */
      reused: boolean;
    };

export interface CompleteHappyPairingInput extends BoxAddress {
  publicKey: string;
  /** How long the daemon may take to reach the relay once started (default 60 s). */
  daemonTimeoutMs?: number;
}

export type HappyPairingResult =
  | ({ outcome: 'paired'; credentials: CredentialsKind } & ActivationReport)
  /** expired: lapsed before an answer; superseded/missing: a newer pairing (or an unpair) replaced it. */
  | { outcome: 'expired' | 'superseded' | 'missing' }
  /** The answer did not open with the pairing key (wrong, or replayed from another pairing). */
  | { outcome: 'refused'; reason: string };

export interface ReadHappyStatusInput extends BoxAddress {
  /** First wait up to this long for the daemon to reach the relay (e.g. after the box started). */
  waitForDaemonMs?: number;
}

const DEFAULT_DAEMON_TIMEOUT_MS = 60_000;

export const createHappyPairingActivities = ({ db, secrets, happy, databaseRetry }: HappyPairingDeps) => {
  /** Opens the box, makes sure the tool is there, and runs `fn` with it while heartbeating `details()`. */
  const inBox = <T>(input: BoxAddress, details: () => unknown, fn: (tool: HappyPairingTool) => Promise<T>): Promise<T> =>
    withBoxSession({ db, secrets, databaseRetry }, input, async (session) => {
      const tool = new HappyPairingTool(session, { loginUser: input.user, happyUser: happy.user });
      // Cancellation closes the session, which ends box commands early: what they report then
      // (or how they fail) is not their result.
      const cancelled = () => Context.current().cancellationSignal.aborted;
      try {
        const result = await heartbeating(details, async () => {
          await tool.install();
          return fn(tool);
        });
        if (cancelled()) throw new CancelledFailure('Happy pairing step cancelled');
        return result;
      } catch (err) {
        if (cancelled() && !(err instanceof CancelledFailure)) throw new CancelledFailure('Happy pairing step cancelled');
        throw err;
      }
    });

  return {
    async beginHappyPairing(input: BeginHappyPairingInput): Promise<HappyPairingStart> {
      return asActivity(async () => {
        const ttlMs = Date.parse(input.expiresAt) - Date.now();
        if (!(ttlMs > 0)) throw new ProviderError('InvalidRequest', `pairing expiry ${input.expiresAt} is not in the future`);
        const begun = await inBox(input, () => ({ step: 'begin' }), (tool) => tool.begin(ttlMs));
        if (begun.alreadyPaired) return { state: 'paired' };
        const links = pairingLinks(begun.publicKey, happy.env.HAPPY_WEBAPP_URL ?? DEFAULT_HAPPY_WEBAPP_URL);
        return { state: 'pending', publicKey: begun.publicKey, ...links, expiresAt: input.expiresAt, reused: begun.reused };
      });
    },

    async completeHappyPairing(input: CompleteHappyPairingInput): Promise<HappyPairingResult> {
      let step = 'waiting';
      let polls = 0;
      return asActivity(() =>
        inBox(input, () => ({ step, polls }), async (tool): Promise<HappyPairingResult> => {
          const outcome = await tool.wait(input.publicKey, (poll) => (polls = poll.polls));
          if (outcome.outcome !== 'paired') return outcome;
          step = 'activating';
          const activation = await tool.activate(input.daemonTimeoutMs ?? DEFAULT_DAEMON_TIMEOUT_MS);
          if (!activation.daemon.online || !activation.auth.authenticated) {
            // Paired, but the daemon is not up: a retry skips the wait and activates again.
            throw new ProviderError(
              'Transient',
              `Happy is paired but its daemon did not reach the relay (running: ${activation.daemon.running}, authenticated: ${activation.auth.authenticated})`,
            );
          }
          return { outcome: 'paired', credentials: outcome.credentials, ...activation };
        }),
      );
    },

    /** Pairing, credentials and daemon as the box sees them (never a secret). */
    async readHappyStatus(input: ReadHappyStatusInput): Promise<HappyBoxStatus> {
      return asActivity(() => inBox(input, () => ({ step: 'status' }), (tool) => tool.status(input.waitForDaemonMs)));
    },

    /** Stops the daemon and removes the credentials, any pending pairing and the machine id. */
    async unpairHappy(input: BoxAddress): Promise<HappyBoxStatus> {
      return asActivity(() =>
        inBox(input, () => ({ step: 'unpair' }), async (tool) => {
          await tool.unpair();
          return tool.status();
        }),
      );
    },
  };
};

export type HappyPairingActivities = ReturnType<typeof createHappyPairingActivities>;
