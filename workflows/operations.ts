/**
 * The user operations behind the Updates — start, stop, restart, delete, retry — and how a box
 * settles when one fails: by asking the provider what the box really is now (seed 场景2).
 */
import * as wf from '@temporalio/workflow';
import { ResourceStatus } from '../providers/types';
import type { BoxContext } from './boxContext';
import type { PlacedResource, VibeBoxAction, VibeBoxStatus } from './definitions';
import { classify } from './failures';
import type { OperationPolicy } from './policies';
import { destroy, provision } from './provisioning';
import { act, describe, waitFor, waitOnce } from './providerSteps';
import { gracefulThenForced, withRetries } from './retries';
import { statusFromProvider } from './transitions';

export type Operations = Record<VibeBoxAction, () => Promise<void>>;

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
        await settleFromProvider(ctx, `stop failed: ${classify(err).message}`); // seed: keeps its state
      }
    },

    restart: () => actThenWaitRunning(ctx, 'restart', P.restart),

    async delete() {
      // Seed: on failure mark ERROR but keep trying — until the resource is gone.
      ctx.deleteRetrying = true;
      for (let pause = P.delete.keepTryingEvery; ; pause = Math.min(pause * 2, P.delete.keepTryingMax)) {
        try {
          if (box.resource) await destroy(ctx, box.resource);
          break;
        } catch (err) {
          // `error` for the seed, yet still at the deleting step: the delete goes on by itself.
          await ctx.setStatus('error', { lastError: `delete failed, retrying: ${classify(err).message}`, step: 'deleting' });
          await wf.sleep(pause);
        }
      }
      ctx.deleteRetrying = false;
      await ctx.markDeleted();
    },

    async retry() {
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
    },
  };
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
    await settleFromProvider(ctx, `${action} failed: ${classify(err).message}`);
  }
}

/** After a failed operation the provider says what the box really is now. */
async function settleFromProvider(ctx: BoxContext, lastError: string): Promise<void> {
  const seen = await readFromProvider(ctx);
  await ctx.setStatus(seen.status, { lastError: lastError + seen.problem });
}

/** What the provider's view of the box means for it (`error` when it cannot tell), and what went wrong asking. */
async function readFromProvider(ctx: BoxContext): Promise<{ status: VibeBoxStatus; problem: string }> {
  await ctx.setStep('checking');
  try {
    const now = await describe(ctx, ctx.box.resource!);
    if (now) ctx.box.resource = now;
    return { status: statusFromProvider(now?.lastSeenStatus), problem: '' };
  } catch (err) {
    return { status: 'error', problem: `; describe failed: ${classify(err).message}` };
  }
}
