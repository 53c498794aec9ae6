/**
 * The user operations behind the Updates — start, stop, restart, delete, retry — and how a box
 * settles when one fails: by asking the provider what the box really is now (seed 场景2), and
 * waiting for a transition the provider is still in to end before judging.
 */
import * as wf from '@temporalio/workflow';
import { ResourceStatus } from '../providers/types';
import type { BoxContext } from './boxContext';
import type { PlacedResource, VibeBoxAction, VibeBoxStatus } from './definitions';
import { classify } from './failures';
import type { OperationPolicy } from './policies';
import { destroy, destroyAll, provision } from './provisioning';
import { act, describe, waitFor, waitOnce } from './providerSteps';
import { gracefulThenForced, withRetries } from './retries';
import { SETTLES_TO, statusFromProvider } from './transitions';

export type Operations = Record<VibeBoxAction, () => Promise<void>>;

export const DELETE_RETRYING = 'a delete is still being retried; wait for it to finish';

export function operations(ctx: BoxContext): Operations {
  const { box, P } = ctx;
  return {
    start: () => actThenWaitRunning(ctx, 'start', P.start),

    async stop() {
      const r = box.resource!;
      try {
        let stopped: PlacedResource | null = null;
        await gracefulThenForced(P.stop, 'stop', async (force, timeoutMs) => {
          if (force) await ctx.setStep('force-stopping');
          await act(ctx, r, 'stop', undefined, force);
          stopped = await waitFor(ctx, r, ResourceStatus.STOPPED, timeoutMs);
        });
        await ctx.setStatus('stopped', { resource: stopped ?? r, lastError: undefined });
      } catch (err) {
        await settleFromProvider(ctx, `stop failed: ${classify(err).message}`, ResourceStatus.STOPPED); // seed: keeps its state
      }
    },

    restart: () => actThenWaitRunning(ctx, 'restart', P.restart),

    /**
     * Allowed while provisioning too: provisioning stops (a create in flight is waited for), then
     * the resource and anything the create made are removed. Seed: on failure mark ERROR but keep
     * trying — until everything is gone.
     */
    async delete() {
      ctx.abortProvisioning();
      await ctx.provisioningStopped();
      ctx.busy = DELETE_RETRYING;
      for (let pause = P.delete.keepTryingEvery; ; pause = Math.min(pause * 2, P.delete.keepTryingMax)) {
        try {
          await destroyAll(ctx);
          break;
        } catch (err) {
          // `error` for the seed, yet still at the deleting step: the delete goes on by itself.
          await ctx.setStatus('error', { lastError: `delete failed, retrying: ${classify(err).message}`, step: 'deleting' });
          await wf.sleep(pause);
        }
      }
      ctx.busy = undefined;
      await ctx.markDeleted();
    },

    retry: () =>
      ctx.runProvisioning(async () => {
        if (box.resource) {
          // A box that exists and is healthy is not thrown away: re-read it and carry on. A broken
          // one is not reported `error` on the way: the retry goes on, and a watcher would stop.
          const seen = await readFromProvider(ctx);
          if (seen.status !== 'error') return ctx.setStatus(seen.status, { lastError: undefined });
          try {
            await wf.CancellationScope.nonCancellable(() => destroy(ctx, box.resource!));
            box.resource = undefined;
          } catch (err) {
            return ctx.setStatus('error', { lastError: `retry could not clear the broken box: ${classify(err).message}` });
          }
        }
        await provision(ctx);
      }),
  };
}

/**
 * The reconciler said the provider no longer lists this box's resource: look (the workflow decides,
 * not the reconciler), and if it is really gone the box is `error` — from which retry provisions a
 * new one and delete ends it.
 */
export async function checkResource(ctx: BoxContext, resourceId: string): Promise<void> {
  const r = ctx.box.resource;
  if (r?.resourceId !== resourceId || (ctx.box.status !== 'active' && ctx.box.status !== 'stopped')) return;
  ctx.busy = "checking whether the box's resource still exists; try again in a moment";
  try {
    if (await describe(ctx, r)) return;
    wf.log.error('resource vanished', { resourceId, provider: r.providerType, region: r.region });
    await ctx.setStatus('error', { resource: undefined, lastError: `resource vanished: ${r.providerType}/${r.region} no longer has ${resourceId}` });
  } catch (err) {
    wf.log.warn('could not check the resource', { resourceId, reason: classify(err).message });
  } finally {
    ctx.busy = undefined;
  }
}

/** start and restart: one call and a wait for RUNNING, tried per policy; on failure, re-read the box. */
async function actThenWaitRunning(ctx: BoxContext, action: 'start' | 'restart', policy: OperationPolicy): Promise<void> {
  const r = ctx.box.resource!;
  try {
    const running = await withRetries(ctx.P, policy, async () => {
      await ctx.acts.provider.providerAction({ ...ctx.ref(r), action });
      return waitOnce(ctx, r, ResourceStatus.RUNNING, policy.timeout);
    });
    await ctx.setStatus('active', { resource: running ?? r, lastError: undefined });
  } catch (err) {
    // Seed: a failed start leaves the box STOPPED — as the provider reports it, which is the truth.
    await settleFromProvider(ctx, `${action} failed: ${classify(err).message}`, ResourceStatus.RUNNING);
  }
}

/**
 * After a failed operation the provider says what the box really is now. Reaching what the
 * operation wanted (`goal`) clears the error.
 */
async function settleFromProvider(ctx: BoxContext, lastError: string, goal?: ResourceStatus): Promise<void> {
  const seen = await readFromProvider(ctx);
  await ctx.setStatus(seen.status, { lastError: seen.providerStatus !== undefined && seen.providerStatus === goal ? undefined : lastError + seen.problem });
}

/**
 * What the provider's view of the box means for it (`error` when it cannot tell), and what went
 * wrong asking. A transition still under way (STOPPING, STARTING) is waited out, up to
 * `settle.timeout`: a stop that is merely slow ends `stopped`, not `error`.
 */
async function readFromProvider(ctx: BoxContext): Promise<{ status: VibeBoxStatus; providerStatus?: ResourceStatus; problem: string }> {
  await ctx.setStep('checking');
  const r = ctx.box.resource!;
  try {
    let now = await describe(ctx, r);
    const settlesTo = now?.lastSeenStatus && SETTLES_TO[now.lastSeenStatus];
    if (now && settlesTo) {
      wf.log.warn('provider still in transition; waiting for it to end', { status: now.lastSeenStatus, until: settlesTo });
      now = await waitFor(ctx, r, settlesTo, ctx.P.settle.timeout);
    }
    if (now) ctx.box.resource = now;
    return { status: statusFromProvider(now?.lastSeenStatus), providerStatus: now?.lastSeenStatus, problem: '' };
  } catch (err) {
    return { status: 'error', problem: `; ${classify(err).message}` };
  }
}
