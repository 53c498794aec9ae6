/**
 * vibeBoxWorkflow: one long-lived entity workflow per VibeBox (DESIGN.md, the one data path).
 * It provisions (select → create → wait RUNNING → configure Happy), then serves start / stop /
 * restart / delete as Updates until the box is deleted. Every number it obeys is in policies.ts.
 */
import * as wf from '@temporalio/workflow';
import type { VibeBoxActivities } from '../activities';
import type { ProviderAction } from '../providers/calls';
import { ResourceStatus } from '../providers/types';
import {
  ActionAccepted,
  actionUpdates,
  Candidate,
  PlacedResource,
  searchAttributes,
  stateQuery,
  VibeBoxAction,
  VibeBoxState,
  VibeBoxStatus,
  VibeBoxWorkflowInput,
} from './definitions';
import { classify, Failure, OperationFailed } from './failures';
import { ForcedOperationPolicy, OperationPolicy, Policies, resolvePolicies, RetryRule, throttleDelay } from './policies';
import { assertTransition, TRANSITIONAL_STATUS } from './transitions';

const SINGLE_TRY: RetryRule = { maxAttempts: 1, interval: 0 };
const SLACK_MS = 30_000;

export async function vibeBoxWorkflow(input: VibeBoxWorkflowInput): Promise<void> {
  const P = resolvePolicies(input.policyOverrides);
  const box: VibeBoxState = input.state ?? { status: 'provisioning', round: 0 };
  const acts = proxies(P);
  /** Set while a failed delete is being retried: nothing else may start meanwhile. */
  let deleteRetrying = false;

  // ---- state changes: workflow truth → search attributes → Postgres projection ----
  async function setStatus(status: VibeBoxStatus, changes: Partial<VibeBoxState> = {}): Promise<void> {
    Object.assign(box, changes, { status });
    wf.upsertSearchAttributes([
      { key: searchAttributes.status, value: status },
      ...(box.resource
        ? [
            { key: searchAttributes.provider, value: box.resource.provider },
            { key: searchAttributes.region, value: box.resource.region },
          ]
        : []),
    ]);
    await acts.bookkeeping.recordState({ vibeboxId: input.vibeboxId, state: box });
  }

  // ---- policy: retries for Transient, 1-2-4-8 s for Throttled, everything else gives up ----
  async function withRetries<T>(rule: RetryRule, fn: () => Promise<T>): Promise<T> {
    let attempts = 0;
    let throttled = 0;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        const f = classify(err);
        if (f.kind === 'Throttled' && ++throttled < P.throttling.maxAttempts) {
          await wf.sleep(throttleDelay(throttled, f.retryAfterSeconds, P.throttling));
          continue;
        }
        if ((f.kind === 'Transient' || rule.alsoRetry?.includes(f.kind)) && ++attempts < rule.maxAttempts) {
          wf.log.warn('retrying', { kind: f.kind, message: f.message, attempt: attempts, of: rule.maxAttempts });
          await wf.sleep(rule.interval);
          continue;
        }
        throw new OperationFailed(f);
      }
    }
  }

  const ref = (r: PlacedResource) => ({ vibeboxId: input.vibeboxId, provider: r.provider, region: r.region, resourceId: r.resourceId });

  function call(r: PlacedResource, action: ProviderAction, rule: RetryRule, force = false): Promise<void> {
    return withRetries(rule, () => acts.provider.providerAction({ ...ref(r), action, force }));
  }

  async function waitFor(r: PlacedResource, status: ResourceStatus, timeoutMs: number): Promise<PlacedResource | null> {
    return withRetries(SINGLE_TRY, () => acts.waiting(timeoutMs).waitForStatus({ ...ref(r), status, timeoutMs }));
  }

  /** The seed's "graceful, then force after the timeout" shape, for stop and delete. */
  async function gracefulThenForced(policy: ForcedOperationPolicy, label: string, run: (force: boolean, timeoutMs: number) => Promise<void>) {
    try {
      await run(false, policy.timeout);
    } catch (err) {
      if (!policy.forceAfterTimeout) throw err;
      wf.log.warn(`${label} did not finish; forcing`, { reason: classify(err).message });
      await run(true, policy.forceTimeout);
    }
  }

  /**
   * Deletes a resource and waits until it is gone. Gracefully first — a running box is stopped
   * (clouds refuse to delete a running instance without force) — then force delete after the
   * graceful timeout or on any failure.
   */
  async function destroy(r: PlacedResource): Promise<void> {
    await gracefulThenForced(P.delete, 'delete', async (force, timeoutMs) => {
      if (!force) {
        const now = await withRetries(SINGLE_TRY, () => acts.provider.describeResource(ref(r)));
        if (!now) return; // already gone
        if (now.lastSeenStatus === ResourceStatus.RUNNING) {
          await call(r, 'stop', SINGLE_TRY);
          await waitFor(r, ResourceStatus.STOPPED, timeoutMs);
        }
      }
      await call(r, 'delete', SINGLE_TRY, force);
      await waitFor(r, ResourceStatus.DELETED, timeoutMs);
    });
  }

  // ---- provisioning: candidates in order, failover on no stock, cleanup on any later failure ----
  async function provision(): Promise<void> {
    box.round += 1;
    await setStatus('provisioning', { lastError: undefined });
    let candidates: Candidate[];
    try {
      candidates = await withRetries(SINGLE_TRY, () =>
        acts.provider.selectCandidates({ providerType: input.providerType, region: input.region }),
      );
    } catch (err) {
      return fail(classify(err));
    }
    for (const [index, candidate] of candidates.entries()) {
      let created: PlacedResource;
      try {
        created = await withRetries(P.create, () =>
          acts.create.createResource({
            vibeboxId: input.vibeboxId,
            userId: input.userId,
            candidate,
            spec: input.spec,
            // Same workflow, round and candidate → same token: a retried create never makes a second box.
            clientToken: `${wf.workflowInfo().workflowId}-r${box.round}-c${index}`,
          }),
        );
      } catch (err) {
        const f = classify(err);
        const more = index < candidates.length - 1;
        if (more && P.failover.onKinds.includes(f.kind)) {
          wf.log.warn('failing over', { from: candidate, kind: f.kind, message: f.message });
          continue;
        }
        return fail(f);
      }
      await setStatus('provisioning', { resource: created });
      try {
        const running = await waitFor(created, ResourceStatus.RUNNING, P.create.timeout);
        const placed = running ?? created;
        box.resource = placed;
        if (!placed.ipAddress) {
          throw new OperationFailed({ kind: 'InvalidState', message: `${placed.resourceId} is running but has no address to configure` });
        }
        await withRetries(P.configure, () =>
          acts.configure.configureHappy({
            vibeboxId: input.vibeboxId,
            host: placed.ipAddress!,
            port: placed.sshPort ?? 22,
            user: placed.sshUser ?? 'root',
          }),
        );
        return setStatus('active', { resource: placed });
      } catch (err) {
        // Nothing leaks: the box we made is deleted, even when the failure is this workflow's cancellation.
        let cleanupProblem = '';
        await wf.CancellationScope.nonCancellable(async () => {
          try {
            await destroy(created);
            box.resource = undefined;
          } catch (cleanupErr) {
            cleanupProblem = `; cleanup of ${created.resourceId} also failed: ${classify(cleanupErr).message}`;
          }
        });
        if (wf.isCancellation(err)) throw err;
        const f = classify(err);
        return fail({ ...f, message: f.message + cleanupProblem });
      }
    }
  }

  function fail(f: Failure): Promise<void> {
    wf.log.error('provisioning failed', { kind: f.kind, code: f.code, message: f.message });
    return setStatus('error', { lastError: `${f.kind}: ${f.message}` });
  }

  // ---- the lifecycle operations behind the Updates ----
  const operations: Record<VibeBoxAction, () => Promise<void>> = {
    start: () => actThenWaitRunning('start', P.start),

    async stop() {
      const r = box.resource!;
      try {
        let stopped: PlacedResource | null = null;
        await gracefulThenForced(P.stop, 'stop', async (force, timeoutMs) => {
          await call(r, 'stop', SINGLE_TRY, force);
          stopped = await waitFor(r, ResourceStatus.STOPPED, timeoutMs);
        });
        await setStatus('stopped', { resource: stopped ?? r, lastError: undefined });
      } catch (err) {
        await settleFromProvider(`stop failed: ${classify(err).message}`); // seed: keeps its state
      }
    },

    restart: () => actThenWaitRunning('restart', P.restart),

    async delete() {
      // Seed: on failure mark ERROR but keep trying — until the resource is gone.
      deleteRetrying = true;
      for (let pause = P.delete.keepTryingEvery; ; pause = Math.min(pause * 2, P.delete.keepTryingMax)) {
        try {
          if (box.resource) await destroy(box.resource);
          break;
        } catch (err) {
          await setStatus('error', { lastError: `delete failed, retrying: ${classify(err).message}` });
          await wf.sleep(pause);
        }
      }
      deleteRetrying = false;
      box.resource = undefined;
      box.status = 'deleted';
      wf.upsertSearchAttributes([{ key: searchAttributes.status, value: 'deleted' }]);
      await acts.bookkeeping.removeVibeBox({ vibeboxId: input.vibeboxId });
    },

    async retry() {
      if (box.resource) {
        // A box that exists and is healthy is not thrown away: re-read it and carry on.
        await settleFromProvider(box.lastError ?? 'retry');
        if (box.status !== 'error') return setStatus(box.status, { lastError: undefined });
        try {
          await wf.CancellationScope.nonCancellable(() => destroy(box.resource!));
          box.resource = undefined;
        } catch (err) {
          return setStatus('error', { lastError: `retry could not clear the broken box: ${classify(err).message}` });
        }
      }
      await provision();
    },
  };

  /** start and restart: one call and a wait for RUNNING, tried per policy; on failure, re-read the box. */
  async function actThenWaitRunning(action: 'start' | 'restart', policy: OperationPolicy): Promise<void> {
    const r = box.resource!;
    try {
      const running = await withRetries(policy, async () => {
        await acts.provider.providerAction({ ...ref(r), action });
        return acts.waiting(policy.timeout).waitForStatus({ ...ref(r), status: ResourceStatus.RUNNING, timeoutMs: policy.timeout });
      });
      await setStatus('active', { resource: running ?? r, lastError: undefined });
    } catch (err) {
      // Seed: a failed start leaves the box STOPPED — as the provider reports it, which is the truth.
      await settleFromProvider(`${action} failed: ${classify(err).message}`);
    }
  }

  /** After a failed operation the provider says what the box really is now. */
  async function settleFromProvider(lastError: string): Promise<void> {
    const r = box.resource!;
    let status: VibeBoxStatus = 'error';
    try {
      const now = await withRetries(SINGLE_TRY, () => acts.provider.describeResource(ref(r)));
      const providerStatus = now?.lastSeenStatus;
      if (providerStatus === ResourceStatus.RUNNING) status = 'active';
      else if (providerStatus === ResourceStatus.STOPPED) status = 'stopped';
      if (now) box.resource = now;
    } catch (err) {
      lastError += `; describe failed: ${classify(err).message}`;
    }
    await setStatus(status, { lastError });
  }

  for (const action of Object.keys(actionUpdates) as VibeBoxAction[]) {
    wf.setHandler(
      actionUpdates[action],
      async (): Promise<ActionAccepted> => {
        // Synchronous, before any await: a second request sees the transitional status.
        box.status = TRANSITIONAL_STATUS[action];
        await setStatus(box.status);
        try {
          await operations[action]();
        } catch (err) {
          // Never let a handler fail the workflow task (it would retry forever, the box wedged).
          await setStatus('error', { lastError: `${action} failed: ${classify(err).message}` });
        }
        return { status: box.status };
      },
      {
        validator: () => {
          if (deleteRetrying) throw new Error('a delete is still being retried; wait for it to finish');
          assertTransition(box.status, action);
        },
      },
    );
  }
  wf.setHandler(stateQuery, () => box);

  // ---- main loop ----
  async function serve(): Promise<void> {
    const expiresAt = input.expiresAt ? Date.parse(input.expiresAt) : undefined;
    const isDeleted = () => box.status === 'deleted';
    for (;;) {
      const historyFull = () =>
        wf.workflowInfo().continueAsNewSuggested || wf.workflowInfo().historyLength > P.history.maxEvents;
      const untilExpiry = expiresAt !== undefined ? Math.max(expiresAt - Date.now(), 1) : undefined;
      const woke = untilExpiry !== undefined
        ? await wf.condition(() => isDeleted() || historyFull(), untilExpiry)
        : (await wf.condition(() => isDeleted() || historyFull()), true);
      if (isDeleted()) break;
      if (!woke) {
        // Subscription over: delete once the box is settled (wait out any operation in flight).
        await wf.condition(() => wf.allHandlersFinished() && (box.status === 'active' || box.status === 'stopped' || box.status === 'error'));
        if (!isDeleted()) {
          box.status = 'deleting';
          await setStatus('deleting');
          await operations.delete();
        }
        break;
      }
      await wf.condition(wf.allHandlersFinished);
      if (historyFull() && !isDeleted()) {
        await wf.continueAsNew<typeof vibeBoxWorkflow>({ ...input, state: box });
      }
    }
    await wf.condition(wf.allHandlersFinished);
  }

  /**
   * Cancelling a box's workflow (an operator's `temporal workflow cancel`) tears the box down:
   * nothing it made may outlive it. (`terminate` is the way to let go without touching the cloud.)
   */
  async function tearDownAfterCancel(): Promise<void> {
    await wf.CancellationScope.nonCancellable(async () => {
      if (box.resource) {
        try {
          await destroy(box.resource);
        } catch (err) {
          wf.log.error('teardown after cancel could not delete the resource', { resource: box.resource, reason: classify(err).message });
        }
      }
      box.status = 'deleted';
      wf.upsertSearchAttributes([{ key: searchAttributes.status, value: 'deleted' }]);
      await acts.bookkeeping.removeVibeBox({ vibeboxId: input.vibeboxId });
    });
  }

  try {
    if (box.status === 'provisioning') await provision();
    await serve();
  } catch (err) {
    if (!wf.isCancellation(err)) throw err;
    await tearDownAfterCancel();
    throw err;
  }
}

/** Activity proxies, each with the timeouts its kind of work needs. Retries are decided above. */
function proxies(P: Policies) {
  const once = { maximumAttempts: 1 };
  return {
    provider: wf.proxyActivities<VibeBoxActivities>({ startToCloseTimeout: P.providerCall.timeout, retry: once }),
    create: wf.proxyActivities<VibeBoxActivities>({ startToCloseTimeout: P.createCall.timeout, retry: once }),
    waiting: (timeoutMs: number) =>
      wf.proxyActivities<VibeBoxActivities>({
        startToCloseTimeout: timeoutMs + SLACK_MS,
        heartbeatTimeout: P.wait.heartbeatTimeout,
        retry: once,
      }),
    configure: wf.proxyActivities<VibeBoxActivities>({
      startToCloseTimeout: P.configure.timeout,
      heartbeatTimeout: P.configure.heartbeatTimeout,
      retry: once,
    }),
    // Bookkeeping is retried by the server until Postgres takes it: the projection must catch up.
    bookkeeping: wf.proxyActivities<VibeBoxActivities>({ startToCloseTimeout: P.bookkeeping.timeout }),
  };
}
