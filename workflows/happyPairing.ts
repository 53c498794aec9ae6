/**
 * Happy pairing as part of a box's lifecycle (docs/happy.md): the Updates that start (or renew)
 * and end a pairing, and the coroutine that waits — durably, for as long as the link is valid —
 * for the phone's answer, then keeps the pairing's view of the daemon current as the box stops
 * and starts. The work in the box is the pairing activities'; this module decides when.
 *
 * The coroutine runs beside the entity's serve loop, so a wait never holds up an Update:
 *   - stop / restart / delete move the box out of `active`, which cancels the wait's activity
 *     (and waits for the box side to stop). The link stays valid: when the box is active again
 *     the wait resumes — the relay keeps an answer the phone gave meanwhile — and if the link's
 *     expiry comes first, the request ends `expired`. A deleted box ends the wait for good.
 *   - a renewal or an unpair takes the box: the wait is cancelled the same way, then the
 *     Update's step runs, then the wait resumes (or not) from the state it left.
 * One step runs in the box at a time, and every outcome is recorded before the next starts — an
 * answer that lands while a wait is being cancelled included — so each step starts from the
 * truth. After the box starts or restarts, a paired box's daemon (brought back by the box's
 * service runner) is checked; a box provisioned anew (another machine) starts unpaired.
 */
import * as wf from '@temporalio/workflow';
import type { VibeBoxActivities } from '../activities';
import type { HappyPairingResult } from '../activities/happyPairing';
import type { BoxContext } from './boxContext';
import { HappyState, pairHappyUpdate, PlacedResource, unpairHappyUpdate, VibeBoxStatus } from './definitions';
import { classify, Failure } from './failures';
import type { RetryRule } from './policies';
import { withRetries } from './retries';
import { assertHappyStep, HappyStep, IllegalHappyStepError } from './transitions';

/** How a step of the coroutine ended: its result (even one that came as it was being cancelled), its failure, or cut short. */
type StepOutcome<T> = { done: T } | { failed: Failure } | { interrupted: true };

const UNPAIRED: HappyState = { state: 'unpaired', version: 0 };

export class HappyPairing {
  /** A step is in the box (an Update's or the coroutine's); the next waits for it. */
  private inBox = false;
  /** Updates waiting for the box: the coroutine yields to them. */
  private updatesWaiting = 0;
  private stopping = false;
  /** The box came back (started, restarted): a paired box's daemon is to be checked. */
  private daemonCheckDue = false;
  /** The state changed outside a step (the box stopped, or is a new machine): to be projected. */
  private projectionDue = false;
  private wasActive: boolean;
  /** Failed waits in a row. */
  private failures = 0;
  private running?: Promise<void>;
  private readonly steps;
  private readonly stepRule: RetryRule;

  constructor(private readonly ctx: BoxContext) {
    const { P } = ctx;
    this.wasActive = ctx.box.status === 'active';
    this.stepRule = { maxAttempts: P.happy.stepAttempts, interval: P.happy.stepInterval };
    const step = { startToCloseTimeout: P.happy.stepTimeout, heartbeatTimeout: P.happy.heartbeatTimeout, retry: { maximumAttempts: 1 } };
    this.steps = {
      short: wf.proxyActivities<VibeBoxActivities>(step),
      /**
       * Steps cancelled when the box leaves `active` or a new request starts. The workflow waits
       * until the box side has really stopped, so two never overlap.
       */
      interruptible: (timeoutMs: number) =>
        wf.proxyActivities<VibeBoxActivities>({ ...step, startToCloseTimeout: timeoutMs, cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED }),
    };
    ctx.onStatusChange((status) => this.followBox(status));
  }

  get state(): HappyState {
    return this.ctx.box.happy ?? UNPAIRED;
  }

  /** The Updates, each guarded by the Happy rules of the transition table. */
  wire(): void {
    const check = (step: HappyStep) => {
      // A delete being retried, or the box's resource being checked: the box's own reason.
      if (this.ctx.busy) throw new IllegalHappyStepError(this.ctx.busy);
      assertHappyStep(step, this.ctx.box.status, this.state.state);
    };
    wf.setHandler(pairHappyUpdate, () => this.exclusive('pairHappy', check, () => this.begin()), { validator: () => check('pairHappy') });
    wf.setHandler(unpairHappyUpdate, () => this.exclusive('unpairHappy', check, () => this.unpair()), { validator: () => check('unpairHappy') });
  }

  /** Starts the coroutine; `settle` ends it (before continue-as-new, and at the end). */
  start(): void {
    // A cancelled workflow cancels the coroutine's steps too; that ends it, quietly.
    this.running = this.run().catch((err: unknown) => {
      if (!wf.isCancellation(err)) wf.log.error('Happy pairing stopped', { reason: err instanceof Error ? err.message : String(err) });
    });
  }

  /** Ends the coroutine, cancelling any step it has in the box and waiting for that to stop. */
  async settle(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async run(): Promise<void> {
    const { box } = this.ctx;
    const ended = () => this.stopping || box.status === 'deleted';
    for (;;) {
      await wf.condition(() => ended() || (!this.inBox && this.updatesWaiting === 0 && this.hasWork()));
      if (ended()) return;
      if (this.projectionDue) {
        this.projectionDue = false;
        await this.project(this.state);
        continue;
      }
      this.inBox = true;
      try {
        if (this.state.state === 'waiting') await this.serveWaiting();
        else await this.checkDaemon();
      } finally {
        this.inBox = false;
      }
    }
  }

  /** The coroutine's step is to stop: an Update wants the box, or the coroutine is ending. */
  private get yielding(): boolean {
    return this.updatesWaiting > 0 || this.stopping;
  }

  private hasWork(): boolean {
    const { state } = this.state;
    return this.projectionDue || state === 'waiting' || (state === 'paired' && this.daemonCheckDue && this.ctx.box.status === 'active');
  }

  /**
   * An Update's step, once the box is free: the coroutine's step in progress is cancelled and its
   * outcome recorded first. The rules the Update was accepted under are checked again, since
   * another Update (a stop, say) or that outcome may have changed things meanwhile.
   */
  private async exclusive(step: HappyStep, check: (step: HappyStep) => void, fn: () => Promise<HappyState>): Promise<HappyState> {
    this.updatesWaiting++;
    try {
      while (this.inBox) await wf.condition(() => !this.inBox);
      this.inBox = true;
    } finally {
      this.updatesWaiting--;
    }
    try {
      try {
        check(step);
      } catch (err) {
        throw wf.ApplicationFailure.create({ type: 'InvalidState', message: (err as Error).message, nonRetryable: true });
      }
      return await fn();
    } finally {
      this.inBox = false;
    }
  }

  /** pairHappy: a key pair in the box (kept while its link is valid: a renewal moves the expiry), the link out. */
  private async begin(): Promise<HappyState> {
    const { box, P } = this.ctx;
    const resource = box.resource!;
    const now = new Date().toISOString();
    const expiresAt = new Date(Date.parse(now) + P.happy.pairingExpiry).toISOString();
    const start = await this.failingAs('Happy pairing could not start', () =>
      withRetries(P, this.stepRule, () => this.steps.short.beginHappyPairing({ ...this.address(resource), expiresAt })),
    );
    if (start.state === 'paired') {
      // Paired by other means (e.g. `happy auth login` over SSH): the daemon check fills in the rest.
      this.daemonCheckDue = true;
      return this.record({ state: 'paired', pairedAt: now, resourceId: resource.resourceId });
    }
    const renewed = start.reused && this.state.publicKey === start.publicKey;
    return this.record({
      state: 'waiting',
      publicKey: start.publicKey,
      link: start.link,
      webLink: start.webLink,
      requestedAt: renewed ? this.state.requestedAt : now,
      expiresAt: start.expiresAt,
      resourceId: resource.resourceId,
    });
  }

  /** unpairHappy: the daemon stopped, the credentials, any pending key and the machine id removed. */
  private async unpair(): Promise<HappyState> {
    const { box, P } = this.ctx;
    const resource = box.resource!;
    const after = await this.failingAs('Happy could not be unpaired', () =>
      withRetries(P, this.stepRule, () => this.steps.short.unpairHappy(this.address(resource))),
    );
    this.daemonCheckDue = false;
    return this.record({ state: 'unpaired', machineId: null, daemonRunning: after.daemon.running, checkedAt: new Date().toISOString(), resourceId: resource.resourceId });
  }

  /** The wait for the phone's answer — or, with the box off, for the box or the link's expiry. */
  private async serveWaiting(): Promise<void> {
    const { box, P } = this.ctx;
    const request = this.state;
    const expiresAt = Date.parse(request.expiresAt!);
    if (box.status !== 'active') {
      const woke = await wf.condition(() => this.yielding || box.status === 'active' || box.status === 'deleted', Math.max(expiresAt - Date.now(), 1));
      if (!woke) await this.record({ ...this.requestEnded(request), state: 'expired', expiresAt: request.expiresAt });
      return;
    }
    const outcome = await this.whileActive(() =>
      this.steps
        .interruptible(Math.max(expiresAt - Date.now(), 0) + P.happy.waitSlack)
        .completeHappyPairing({ ...this.address(box.resource!), publicKey: request.publicKey!, daemonTimeoutMs: P.happy.daemonTimeout }),
    );
    if ('interrupted' in outcome) return;
    if ('failed' in outcome) return this.waitFailed(outcome.failed);
    this.failures = 0;
    await this.record(this.afterWait(request, outcome.done));
  }

  /** What the pairing is once the box's wait has an outcome. */
  private afterWait(request: HappyState, result: HappyPairingResult): Omit<HappyState, 'version'> {
    const ended = this.requestEnded(request);
    const now = new Date().toISOString();
    switch (result.outcome) {
      case 'paired':
        return { ...ended, state: 'paired', pairedAt: now, credentials: result.credentials, machineId: result.machineId, daemonRunning: result.daemon.online, checkedAt: now };
      case 'expired':
        return { ...ended, state: 'expired', expiresAt: request.expiresAt };
      case 'refused':
        return { ...ended, state: 'refused', lastError: `the answer was refused: ${result.reason}` };
      default:
        // Only this workflow begins pairings; a key gone or replaced in the box was someone's doing there.
        return { ...ended, state: 'unpaired', lastError: `the pairing request was withdrawn in the box (${result.outcome})` };
    }
  }

  /** What a finished request keeps: when it was asked, on which machine (not its key or links). */
  private requestEnded(request: HappyState): Omit<HappyState, 'version' | 'state'> {
    return { requestedAt: request.requestedAt, resourceId: request.resourceId };
  }

  /** A failed wait is tried again a few times; then the box says what it is. */
  private async waitFailed(f: Failure): Promise<void> {
    const { box, P } = this.ctx;
    if (++this.failures < P.happy.waitAttempts) {
      wf.log.warn('Happy pairing wait failed; trying again', { kind: f.kind, message: f.message, attempt: this.failures, of: P.happy.waitAttempts });
      await wf.condition(() => this.yielding || box.status !== 'active', P.happy.waitInterval);
      return;
    }
    this.failures = 0;
    const reason = `the wait for the phone's answer failed: ${f.message}`;
    const read = await this.whileActive(() => this.steps.short.readHappyStatus(this.address(box.resource!)));
    if ('interrupted' in read) return;
    const ended = this.requestEnded(this.state);
    if ('done' in read && read.done.credentials) {
      const now = new Date().toISOString();
      await this.record({ ...ended, state: 'paired', pairedAt: now, credentials: read.done.credentials, machineId: read.done.machineId, daemonRunning: read.done.daemon.online, checkedAt: now, lastError: reason });
    } else {
      await this.record({ ...ended, state: 'unpaired', lastError: reason });
    }
  }

  /** After the box started or restarted: is the daemon back (the box's service runner starts it)? */
  private async checkDaemon(): Promise<void> {
    const { box, P } = this.ctx;
    this.daemonCheckDue = false;
    const read = await this.whileActive(() =>
      withRetries(P, this.stepRule, () =>
        this.steps
          .interruptible(P.happy.stepTimeout + P.happy.daemonTimeout)
          .readHappyStatus({ ...this.address(box.resource!), waitForDaemonMs: P.happy.daemonTimeout }),
      ),
    );
    if ('interrupted' in read) return;
    const checkedAt = new Date().toISOString();
    if ('failed' in read) {
      await this.record({ ...this.state, daemonRunning: false, checkedAt, lastError: `the daemon could not be checked: ${read.failed.message}` });
    } else if (!read.done.credentials) {
      await this.record({ ...this.requestEnded(this.state), state: 'unpaired', checkedAt, lastError: 'the box no longer holds Happy credentials' });
    } else {
      await this.record({ ...this.state, machineId: read.done.machineId ?? this.state.machineId, daemonRunning: read.done.daemon.online, checkedAt, lastError: undefined });
    }
  }

  /**
   * Runs one of the coroutine's steps in the box while the box stays active and no Update wants
   * it; otherwise cancels the step and waits for it to stop. A result that comes all the same (the
   * answer landed first) is the box's truth and is returned; a failure after the cancel is not.
   */
  private async whileActive<T>(step: () => Promise<T>): Promise<StepOutcome<T>> {
    const { box } = this.ctx;
    const scope = new wf.CancellationScope();
    const work = scope.run(step).then((done): StepOutcome<T> => ({ done }));
    const left = scope.run(() => wf.condition(() => box.status !== 'active' || this.yielding));
    let cut = false;
    const cutShort = left.then(() => {
      cut = true;
      scope.cancel();
      return work;
    });
    try {
      return await Promise.race([work, cutShort]);
    } catch (err) {
      // Once cut short, a failure is the cancel acknowledged, or the step dying with the box (its SSH cut by a stop).
      if (cut) return { interrupted: true };
      return { failed: classify(err) }; // classify rethrows a cancellation of the workflow itself
    } finally {
      scope.cancel();
      await Promise.allSettled([work, left]);
    }
  }

  /** Follows the box's status (told synchronously by BoxContext.setStatus). */
  private followBox(status: VibeBoxStatus): void {
    const active = status === 'active';
    const { resource } = this.ctx.box;
    const happy = this.ctx.box.happy;
    if (happy && active && !this.wasActive) {
      if (happy.resourceId && resource && resource.resourceId !== happy.resourceId) {
        // Provisioned anew: another machine, which holds no pairing.
        this.change({ state: 'unpaired', resourceId: resource.resourceId, lastError: happy.state === 'unpaired' ? happy.lastError : 'the box was provisioned anew' });
      } else if (happy.state === 'paired') {
        this.daemonCheckDue = true;
      }
    }
    if (happy?.state === 'paired' && !active && this.wasActive && happy.daemonRunning) {
      // The box is going down, and its daemon with it; checked again when it is back.
      this.change({ ...happy, daemonRunning: false, checkedAt: new Date().toISOString() });
    }
    this.wasActive = active;
  }

  /** A step's failure, as its Update reports it (the API turns it into an error response). */
  private async failingAs<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const f = classify(err);
      throw wf.ApplicationFailure.create({ type: f.kind, message: `${what}: ${f.message}`, nonRetryable: true });
    }
  }

  private address(r: PlacedResource) {
    return { vibeboxId: this.ctx.vibeboxId, host: r.ipAddress!, port: r.sshPort ?? 22, user: r.sshUser ?? 'root', connectDeadlineMs: this.ctx.P.configure.sshConnectDeadline };
  }

  /** The new state, in the workflow at once (the state query sees it) and projected to Postgres. */
  private async record(next: Omit<HappyState, 'version'>): Promise<HappyState> {
    const happy = this.change(next);
    this.projectionDue = false;
    await this.project(happy);
    return happy;
  }

  private change(next: Omit<HappyState, 'version'>): HappyState {
    const happy: HappyState = { ...next, version: this.state.version + 1 };
    this.ctx.box.happy = happy;
    this.projectionDue = true;
    return happy;
  }

  private project(happy: HappyState): Promise<void> {
    return this.ctx.acts.bookkeeping.recordHappyState({ vibeboxId: this.ctx.vibeboxId, happy });
  }
}
