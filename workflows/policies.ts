/**
 * Every timeout, retry, force and failover rule of the lifecycle, as data (seed: 超时与重试,
 * 故障恢复). The workflow reads these values and nothing else; so do the tests. Changing
 * behaviour means changing a value here.
 */

import type { FailureKind } from '../providers/calls';
import type { ProviderType } from '../providers/types';
import type { PlanId } from './plans';

/** A duration in milliseconds (plain numbers keep the arithmetic in the workflow obvious). */
type Ms = number;
const second = 1_000;
const minute = 60 * second;

export interface RetryRule {
  /** Attempts in all, the first included, for Transient failures and timeouts. */
  maxAttempts: number;
  /** Wait between attempts. */
  interval: Ms;
  /** Failure kinds retried under this rule besides Transient (Throttled has its own rule). */
  alsoRetry?: readonly FailureKind[];
}

export interface OperationPolicy extends RetryRule {
  /** How long the operation (call + wait for the target status) may take. */
  timeout: Ms;
}

export interface ForcedOperationPolicy {
  /** How long the graceful attempt may take before the force variant is used. */
  timeout: Ms;
  /** Call the force variant (force stop / force delete) when the graceful one times out or fails. */
  forceAfterTimeout: boolean;
  /** How long the forced attempt may take. */
  forceTimeout: Ms;
}

export const policies = {
  /**
   * Create: 10 minutes for the whole create on one candidate — the create calls, the wait for
   * RUNNING and the retries between them — 3 tries 5 s apart; then ERROR and tell the user. No
   * stock is retried the same way before failing over (seed 场景1: 重试3次 → 其他区域 → 其他厂商).
   */
  create: {
    timeout: 10 * minute,
    maxAttempts: 3,
    interval: 5 * second,
    alsoRetry: ['InsufficientStock'] as readonly FailureKind[],
    /**
     * For this long after a create answered, NotFound means "not listed yet" (clouds are
     * eventually consistent), not "gone": the wait for RUNNING keeps polling, and a cleanup waits
     * for the resource to show up before it can delete it.
     */
    notFoundGrace: 1 * minute,
  } satisfies OperationPolicy & { notFoundGrace: Ms },
  /** Start: 2 minutes, 2 tries 3 s apart; on failure the box stays STOPPED. */
  start: { timeout: 2 * minute, maxAttempts: 2, interval: 3 * second } satisfies OperationPolicy,
  /** Restart: as start (the seed's restart is stop → start); on failure the box is re-read. */
  restart: { timeout: 2 * minute, maxAttempts: 2, interval: 3 * second } satisfies OperationPolicy,
  /** Stop: 2 minutes, then the force-stop API; on failure the box keeps its state. */
  stop: { timeout: 2 * minute, forceAfterTimeout: true, forceTimeout: 1 * minute } satisfies ForcedOperationPolicy,
  /** Delete: 5 minutes, then force delete; on failure mark ERROR and keep trying. */
  delete: {
    timeout: 5 * minute,
    forceAfterTimeout: true,
    forceTimeout: 2 * minute,
    /** Pause before the first round of "keep trying" once a delete has failed; doubles each round… */
    keepTryingEvery: 1 * minute,
    /** …up to this, so a delete that fails for days keeps the history small. */
    keepTryingMax: 1 * 60 * minute,
  },
  /** Throttled (429 and the clouds' throttling codes): 1-2-4-8 s, at most 5 tries in all. */
  throttling: { initialInterval: 1 * second, backoffCoefficient: 2, maxAttempts: 5 },
  /**
   * Happy over SSH: long (npm installs), heartbeated, a few tries. `sshConnectDeadline` bounds
   * the wait for a fresh box's sshd to accept a connection.
   */
  configure: { timeout: 20 * minute, heartbeatTimeout: 2 * minute, maxAttempts: 3, interval: 10 * second, sshConnectDeadline: 90 * second },
  /**
   * Failover: which failure kinds move creation to the next candidate — no stock (seed 场景1), a
   * create still failing Transient after its retries (an outage), and AuthFailed (the provider's
   * keys do not work, so nothing there will). Candidates come ordered from selection, and a pinned
   * provider or region lists nothing else unless the request allowed fallback, so "next
   * candidate" is "next region, then next provider" only where the request permits it. Only a
   * create fails over: an existing box never moves.
   */
  failover: {
    onKinds: ['InsufficientStock', 'Transient', 'AuthFailed'] as readonly FailureKind[],
    /** What boxes whose provisioning history was recorded before the change replay with (wf.patched). */
    legacyOnKinds: ['InsufficientStock'] as readonly FailureKind[],
  },
  /**
   * A step whose worker stopped heartbeating (killed, restarted, cut off) runs again on another
   * worker, this many times in all, whatever its own rule — even a single-try wait: losing a
   * worker must not fail a box (tests/e2e/chaos.test.ts, R1, kills one mid-wait).
   */
  workerLoss: { maxAttempts: 3 },
  /**
   * Provider health (seed 监控与容错): every `every` a Schedule runs healthCheck() for each enabled
   * (provider, region); `unavailableAfter` failures in a row mark it unavailable (alert, no new
   * boxes there); one success brings it back. `checkTimeout` bounds one check: a hung cloud is a
   * failed check, not a stuck loop.
   */
  health: { every: 5 * minute, unavailableAfter: 3, checkTimeout: 30 * second },
  /**
   * Selection (seed 选择策略): which plans may pin a provider by hand (策略3 混合模式: Pro and
   * Enterprise), and the multi-active weights auto selection spreads new boxes by. The geography
   * and the auto rules themselves are data in selectionRules.ts.
   */
  selection: {
    manualPlans: ['pro', 'enterprise'] as readonly PlanId[],
    weights: { chinamobile: 3, aliyun: 2, tencent: 2, docker: 1 } satisfies Record<ProviderType, number>,
  },
  /** One provider API call (not the wait that follows it). */
  providerCall: { timeout: 1 * minute },
  /**
   * One create call: longer, because a create may resolve an order into instances (ECloud). It
   * heartbeats, so a worker that died mid-create is noticed in `heartbeatTimeout`, not `timeout`.
   */
  createCall: { timeout: 5 * minute, heartbeatTimeout: 30 * second },
  /**
   * A stop or start that did not finish in its time leaves the box where the provider says it is;
   * while the provider still reports the transition (STOPPING, STARTING) the workflow waits up to
   * this long for it to end instead of declaring the box `error`.
   */
  settle: { timeout: 10 * minute },
  /**
   * The reconciler (workflows/reconciler.ts), run by a Schedule: every `every`; a tagged resource no
   * live box owns is deleted once older than `orphanGrace` (longer than a whole create, so a create
   * in flight is never taken for an orphan); rows are judged once older than `rowGrace` (a row's
   * workflow starts within moments of the insert; longer than admission.createInFlight, the time a
   * create request may still be starting it); a run still going after `runTimeout` is ended
   * (a stuck run would otherwise keep every later tick from starting). Operators override the
   * cadence and graces through config.
   */
  reconcile: { every: 5 * minute, orphanGrace: 30 * minute, rowGrace: 2 * minute, activityTimeout: 5 * minute, runTimeout: 30 * minute },
  /** Bookkeeping activities (Postgres projection, audit): retried until they succeed. */
  bookkeeping: { timeout: 30 * second },
  /**
   * Waits for a provider status, inside one activity: polled from `initialInterval` doubling to
   * `maxInterval`, heartbeated; the activity may run `activitySlack` past the wait's own
   * timeout, so the wait's timeout (with its clear message) fires before Temporal's. The heartbeat
   * timeout is longer than a Temporal outage the platform rides out (30 s): the server, back up,
   * must not time out a wait whose heartbeats it could not hear.
   */
  wait: { initialInterval: 500, maxInterval: 5 * second, heartbeatTimeout: 60 * second, activitySlack: 30 * second },
  /**
   * The worker passes an activity's heartbeats to the server at most `maxThrottle` apart (the
   * SDK's default is up to a minute). A cancellation reaches the activity only in the answer to a
   * heartbeat, so this bounds how long a cancelled step runs on — e.g. a Happy pairing wait that
   * a renewal, an unpair or a stop is waiting to see end.
   */
  heartbeats: { maxThrottle: 3 * second },
  /**
   * How long the API waits for a workflow to accept an Update before answering 503: acceptance
   * needs a worker, and without one the caller would wait forever.
   */
  updates: { acceptDeadline: 15 * second },
  /**
   * Live status streams (GET /api/vibeboxes/:id/events): at most `maxStreamsPerUser` open at once
   * per user and API process (a browser tab or CLI left open must not exhaust the API); a comment
   * line every `keepAliveEvery` so proxies do not cut an idle stream; the API's LISTEN connection
   * is re-opened `listenRetry` after Postgres drops it.
   */
  events: { maxStreamsPerUser: 8, keepAliveEvery: 15 * second, listenRetry: 1 * second },
  /**
   * Happy pairing (docs/happy.md). A pairing link is valid for `pairingExpiry` (a new request
   * replaces an expired one); once the phone answers, the daemon has `daemonTimeout` to reach the
   * relay — and as long again after the box starts or restarts. One step in the box (begin,
   * unpair, status) may take `stepTimeout` and is tried `stepAttempts` times, `stepInterval`
   * apart. The wait for the answer runs until the link expires plus `waitSlack` (the SSH connect,
   * writing the answer, the daemon's start); a wait that fails (box unreachable, worker lost) is
   * tried again `waitInterval` apart, `waitAttempts` in a row, then the box is asked what it is.
   * Heartbeats are due every `heartbeatTimeout` (the SDK sends them at most every 0.8 × that, so it
   * also bounds how soon a cancelled wait learns of it). The API waits up to `requestDeadline` for
   * the box to make a link.
   */
  happy: {
    pairingExpiry: 10 * minute,
    daemonTimeout: 60 * second,
    stepTimeout: 2 * minute,
    stepAttempts: 2,
    stepInterval: 3 * second,
    waitSlack: 3 * minute,
    waitAttempts: 5,
    waitInterval: 10 * second,
    heartbeatTimeout: 20 * second,
    requestDeadline: 60 * second,
  },
  /** Continue-as-new before the history gets long (Temporal also suggests it). */
  history: { maxEvents: 5_000 },
  /**
   * How many configureHappy activities (SSH + npm install) one worker runs at once, per provider
   * type: each type's configure work has a task queue of its own (definitions.configureTaskQueue),
   * so a burst queues there instead of overloading the host. Docker boxes install on the worker's
   * own Docker host (2 at once keeps a 2-core host responsive); a cloud box installs on its own
   * machine, and the worker only streams the SSH session.
   */
  configureConcurrency: { docker: 2, chinamobile: 20, aliyun: 20, tencent: 20 } satisfies Record<ProviderType, number>,
  /**
   * The API's admission rules (DESIGN.md: the API is the admission point). Quotas count a user's
   * live boxes (every row not deleted) per plan and in all; the create rate is a token bucket per
   * user kept in Postgres, so it holds across API processes. `VIBEBOX_QUOTA_<PLAN>`,
   * `VIBEBOX_QUOTA_TOTAL`, `VIBEBOX_CREATE_BURST` and `VIBEBOX_CREATE_PER_MINUTE` override them
   * (api/admission.ts).
   */
  admission: {
    quota: { perPlan: { basic: 5, pro: 3, enterprise: 1 } satisfies Record<PlanId, number>, total: 5 },
    /** Creates a user may make at once, and how fast the allowance comes back. */
    createRate: { burst: 10, perMinute: 6 },
    /** How long an Idempotency-Key is remembered (Stripe and the IETF draft use 24 h). */
    idempotencyKeyTtl: 24 * 60 * minute,
    /**
     * The longest a create request can take (the sum of its calls' deadlines, with margin). A box
     * whose workflow start is unconfirmed and younger than this may still be in its request; an
     * older one was left by a request that failed or died, and may be started by whoever finds it.
     */
    createInFlight: 30 * second,
  },
  /**
   * Deadlines on every dependency call, so a frozen Postgres or an absent Temporal costs seconds
   * and a 503 with Retry-After, never a hang. `databaseRetry` is how activities that must write
   * through an outage (the box's own row, the audit log) wait for Postgres to come back.
   */
  dependencies: {
    database: {
      /** Waiting for a Postgres connection (a new one, or a free one from the pool). */
      connectTimeoutMs: 3 * second,
      /** One statement: the server cancels it (statement_timeout) and the client stops waiting (query_timeout). */
      statementTimeoutMs: 5 * second,
    },
    /** One Temporal call from the API (a probe, a start, a describe). */
    temporalCall: 3 * second,
    /** Each check of GET /readyz: a dependency slower than this is reported not ready. */
    readyCheck: 2 * second,
    /** What a 503 tells the caller to wait before trying again (Retry-After). */
    retryAfter: 5 * second,
    databaseRetry: { initialInterval: 500, maxInterval: 5 * second, budget: 3 * minute },
  },
};

export type Policies = typeof policies;
export type PolicyOverrides = { [K in keyof Policies]?: Partial<Policies[K]> };

/** The policies with overrides applied, one level deep. */
export function resolvePolicies(overrides: PolicyOverrides = {}): Policies {
  const out = { ...policies } as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    out[key] = { ...(policies as Record<string, object>)[key], ...value };
  }
  return out as Policies;
}

/**
 * Overrides from text (an operator's or a test platform's VIBEBOX_POLICY_OVERRIDES, JSON): only
 * sections and values that exist, each of the type it has here. A typo is an error, not a no-op.
 */
export function parsePolicyOverrides(text: string): PolicyOverrides {
  const parsed: unknown = JSON.parse(text);
  if (!isPlainObject(parsed)) throw new Error('policy overrides must be a JSON object of sections');
  const known = policies as Record<string, Record<string, unknown>>;
  for (const [section, values] of Object.entries(parsed)) {
    if (!(section in known)) throw new Error(`no policy section "${section}"`);
    if (!isPlainObject(values)) throw new Error(`policy section "${section}" must be an object`);
    for (const [key, value] of Object.entries(values)) {
      const current = known[section][key];
      if (current === undefined) throw new Error(`no policy value "${section}.${key}"`);
      if (typeof value !== typeof current || Array.isArray(current) || (typeof value === 'number' && !(value >= 0))) {
        throw new Error(`policy value "${section}.${key}" must be a ${Array.isArray(current) ? 'list (not overridable)' : `non-negative ${typeof current}`}`);
      }
    }
  }
  return parsed as PolicyOverrides;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throttling waits: 1, 2, 4, 8 s … or longer when the cloud said when to come back. */
export function throttleDelay(attempt: number, retryAfterSeconds?: number, rule = policies.throttling): Ms {
  const backoff = rule.initialInterval * rule.backoffCoefficient ** (attempt - 1);
  return Math.max(backoff, (retryAfterSeconds ?? 0) * second);
}
