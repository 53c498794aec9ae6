/**
 * What the parts of one VibeBox's workflow share: its input, the resolved policies, its state,
 * the activity proxies, and the one way to change its status. The entity (vibebox.ts) makes one
 * and hands it to provisioning and the operations, so each part is a plain module, not a closure.
 */
import * as wf from '@temporalio/workflow';
import type { VibeBoxActivities } from '../activities';
import type { ResourceRef } from '../providers/calls';
import type { ProviderType } from '../providers/types';
import { Candidate, configureTaskQueue, PlacedResource, searchAttributes, VibeBoxState, VibeBoxStatus, VibeBoxStep, VibeBoxWorkflowInput } from './definitions';
import type { Policies } from './policies';
import { FIRST_STEP } from './transitions';
import { boxCurrentDetails } from './uiText';

/** Activity proxies, each with the timeouts its kind of work needs. Retries are decided by the workflow. */
export function activityProxies(P: Policies) {
  const once = { maximumAttempts: 1 };
  return {
    provider: wf.proxyActivities<VibeBoxActivities>({ startToCloseTimeout: P.providerCall.timeout, retry: once }),
    /** A create call given `timeoutMs` in all; the activity tells the provider the same bound, and heartbeats. */
    create: (timeoutMs: number) =>
      wf.proxyActivities<VibeBoxActivities>({
        startToCloseTimeout: timeoutMs + P.wait.activitySlack,
        heartbeatTimeout: P.createCall.heartbeatTimeout,
        retry: once,
      }),
    waiting: (timeoutMs: number) =>
      wf.proxyActivities<VibeBoxActivities>({
        startToCloseTimeout: timeoutMs + P.wait.activitySlack,
        heartbeatTimeout: P.wait.heartbeatTimeout,
        retry: once,
      }),
    /** On the provider type's own configure queue, where a burst waits for a free slot (no schedule-to-start limit). */
    configure: (providerType: ProviderType) =>
      wf.proxyActivities<VibeBoxActivities>({
        taskQueue: configureTaskQueue(wf.workflowInfo().taskQueue, providerType),
        startToCloseTimeout: P.configure.timeout,
        heartbeatTimeout: P.configure.heartbeatTimeout,
        retry: once,
      }),
    // Bookkeeping is retried by the server until Postgres takes it: the projection must catch up.
    bookkeeping: wf.proxyActivities<VibeBoxActivities>({ startToCloseTimeout: P.bookkeeping.timeout }),
  };
}
export type ActivityProxies = ReturnType<typeof activityProxies>;

export class BoxContext {
  /**
   * Why no action may start now, while something that is not an action runs (a failed delete being
   * retried, a check of the resource); the validators refuse with this reason.
   */
  busy?: string;
  /** A resource the reconciler says the provider no longer lists; the serve loop checks it. */
  resourceToCheck?: string;
  /** The candidate a create is being tried on, for the Web UI while nothing exists there yet. */
  trying?: Candidate;
  /** Workflow time the current step began, for the Web UI. */
  private stepSince = new Date(Date.now()).toISOString();
  readonly acts: ActivityProxies;
  /** The provisioning under way (first provisioning or a retry), cancellable by a delete. */
  private provisioningScope?: wf.CancellationScope;
  /** A delete asked provisioning to stop: it must change nothing any more. */
  private provisioningAborted = false;
  /** Told of every status change before it is recorded (e.g. the Happy pairing, which follows the box). */
  private readonly statusObservers: Array<(status: VibeBoxStatus) => void> = [];

  constructor(
    readonly input: VibeBoxWorkflowInput,
    readonly P: Policies,
    readonly box: VibeBoxState,
  ) {
    this.acts = activityProxies(P);
  }

  get vibeboxId(): string {
    return this.input.vibeboxId;
  }

  /** A placed resource as activities address it: which box it is audited under, and where it lives. */
  ref(r: PlacedResource): ResourceRef & { vibeboxId: string } {
    return { vibeboxId: this.input.vibeboxId, providerType: r.providerType, region: r.region, resourceId: r.resourceId };
  }

  onStatusChange(observer: (status: VibeBoxStatus) => void): void {
    this.statusObservers.push(observer);
  }

  /**
   * State changes flow one way: workflow truth → search attributes and Web UI details → Postgres
   * projection (whose changes the API streams to watchers). Entering a status puts the box at that
   * status's first step unless `changes` names another.
   */
  async setStatus(status: VibeBoxStatus, changes: Partial<VibeBoxState> = {}): Promise<void> {
    const step = changes.step ?? FIRST_STEP[status];
    if (step !== this.box.step) this.stepSince = new Date(Date.now()).toISOString();
    Object.assign(this.box, changes, { status, step });
    for (const observe of this.statusObservers) observe(status);
    this.showDetails();
    const where = this.box.resource;
    wf.upsertSearchAttributes([
      { key: searchAttributes.status, value: status },
      { key: searchAttributes.step, value: step },
      ...(where
        ? [
            { key: searchAttributes.provider, value: where.providerType },
            { key: searchAttributes.region, value: where.region },
          ]
        : []),
    ]);
    await this.project();
  }

  /**
   * Writes the state to Postgres under a new sequence number: higher than every earlier one, and
   * never behind the workflow's clock, so even after a `workflow reset` (which rewinds the state)
   * the next write is newer than anything the row shows. With `restore`, a missing row is re-made.
   */
  async project(opts: { restore?: boolean } = {}): Promise<void> {
    this.box.seq = Math.max((this.box.seq ?? 0) + 1, Date.now());
    const { userId, planId, providerType, region } = this.input;
    const restore = opts.restore ? { userId, planId, requestedProviderType: providerType, requestedRegion: region } : undefined;
    await this.acts.bookkeeping.recordState({ vibeboxId: this.input.vibeboxId, state: this.box, ...(restore ? { restore } : {}) });
  }

  /** A further step within the current status (provisioning's create → boot → install, a forced stop). */
  setStep(step: VibeBoxStep, changes: Partial<VibeBoxState> = {}): Promise<void> {
    return this.setStatus(this.box.status, { ...changes, step });
  }

  /** The Web UI's current details for this run (workflow metadata, not history: free to rewrite). */
  showDetails(): void {
    wf.setCurrentDetails(boxCurrentDetails(this.input, this.box, { trying: this.trying, stepSince: this.stepSince }));
  }

  /** The end of a box: no resource, `deleted` in the Web UI, no row in Postgres. */
  async markDeleted(): Promise<void> {
    this.box.resource = undefined;
    this.box.creating = undefined;
    this.box.status = 'deleted';
    this.box.step = 'deleted';
    this.trying = undefined;
    this.showDetails();
    wf.upsertSearchAttributes([
      { key: searchAttributes.status, value: 'deleted' },
      { key: searchAttributes.step, value: 'deleted' },
    ]);
    await this.acts.bookkeeping.removeVibeBox({ vibeboxId: this.input.vibeboxId });
  }

  // ---- provisioning, and stopping it -----------------------------------------------------------

  /** Runs a provisioning in a scope a delete can cancel; returns normally when a delete stopped it. */
  async runProvisioning(provisioning: () => Promise<void>): Promise<void> {
    if (this.provisioningAborted) return;
    const scope = new wf.CancellationScope();
    this.provisioningScope = scope;
    try {
      await scope.run(provisioning);
    } catch (err) {
      if (!(this.provisioningAborted && wf.isCancellation(err))) throw err;
    } finally {
      this.provisioningScope = undefined;
    }
  }

  /** A delete came: provisioning stops at its next step (a create in flight is waited for, not abandoned). */
  abortProvisioning(): void {
    this.provisioningAborted = true;
    this.provisioningScope?.cancel();
  }

  async provisioningStopped(): Promise<void> {
    await wf.condition(() => this.provisioningScope === undefined);
  }

  /**
   * A status change made by provisioning itself: refused once a delete has stopped it, so a step
   * that finished in the same moment cannot overwrite `deleting`.
   */
  progress(status: VibeBoxStatus, changes: Partial<VibeBoxState> = {}): Promise<void> {
    if (this.provisioningAborted) throw new wf.CancelledFailure('provisioning stopped by a delete');
    return this.setStatus(status, changes);
  }

  /**
   * How much longer NotFound for `r` means "not listed yet": the create's grace, counted from when
   * its id came back. 0 for any resource that is not the one just created.
   */
  notFoundGraceLeft(r: PlacedResource): number {
    const made = this.box.creating;
    if (made?.resourceId !== r.resourceId || made.madeAt === undefined) return 0;
    return Math.max(made.madeAt + this.P.create.notFoundGrace - Date.now(), 0);
  }
}
