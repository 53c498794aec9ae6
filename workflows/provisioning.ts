/**
 * Provisioning (seed 资源生命周期: create → wait RUNNING → configure Happy) and its inverse:
 * candidates in order with failover, cleanup of anything made when a later step fails, and the
 * graceful-then-forced destroy that every teardown uses.
 */
import * as wf from '@temporalio/workflow';
import { ResourceStatus } from '../providers/types';
import type { BoxContext } from './boxContext';
import type { FailureKind } from '../providers/calls';
import type { Candidate, PlacedResource } from './definitions';
import { classify, Failure, OperationFailed } from './failures';
import { act, describe, waitFor } from './providerSteps';
import type { Policies } from './policies';
import { gracefulThenForced, SINGLE_TRY, withRetries } from './retries';
import type { Placement } from './selection';

/** Provisions a box from scratch (a new round: a new client token per candidate). Ends `active` or `error`. */
export async function provision(ctx: BoxContext): Promise<void> {
  const { box, input, P } = ctx;
  box.round += 1;
  await ctx.setStatus('provisioning', { lastError: undefined });
  let candidates: Candidate[];
  try {
    const selected: Placement | Candidate[] = await withRetries(P, SINGLE_TRY, () =>
      ctx.acts.provider.selectCandidates({ providerType: input.providerType, region: input.region, spec: input.spec, placement: input.placement }),
    );
    // Histories recorded before placements were stored hold a bare list, and no placement write
    // follows it: they replay down this branch unchanged.
    if (Array.isArray(selected)) {
      candidates = selected;
    } else {
      candidates = selected.candidates;
      wf.log.info('placement chosen', { strategy: selected.strategy, reason: selected.reason, candidates });
      await ctx.setStatus('provisioning', { placement: selected });
    }
  } catch (err) {
    return fail(ctx, classify(err));
  }
  for (const [index, candidate] of candidates.entries()) {
    let created: PlacedResource;
    const deadline = Date.now() + P.create.timeout;
    ctx.trying = candidate;
    try {
      await ctx.setStep('creating');
      created = await createOn(ctx, candidate, index, deadline);
    } catch (err) {
      const f = classify(err);
      const more = index < candidates.length - 1;
      if (more && failoverKinds(P).includes(f.kind)) {
        wf.log.warn('failing over', { from: candidate, to: candidates[index + 1], kind: f.kind, message: f.message });
        continue;
      }
      // The last candidate failed too: say where else it was tried, so "error" explains itself.
      const tried = index > 0 ? ` (after ${candidates.slice(0, index).map((c) => `${c.providerType}/${c.region}`).join(', ')})` : '';
      return fail(ctx, { ...f, message: `${candidate.providerType}/${candidate.region}: ${f.message}${tried}` });
    }
    ctx.trying = undefined;
    await ctx.setStep('booting', { resource: created });
    try {
      const placed = await waitUntilRunning(ctx, created, deadline);
      await ctx.setStep('installing-happy', { resource: placed });
      await withRetries(P, P.configure, () =>
        ctx.acts.configure(placed.providerType).configureHappy({
          vibeboxId: input.vibeboxId,
          host: placed.ipAddress!,
          port: placed.sshPort ?? 22,
          user: placed.sshUser ?? 'root',
          connectDeadlineMs: P.configure.sshConnectDeadline,
        }),
      );
      return ctx.setStatus('active', { resource: placed });
    } catch (err) {
      // Nothing leaks: the box we made is deleted, even when the failure is this workflow's cancellation.
      const cleanupProblem = await destroyQuietly(ctx, created);
      if (wf.isCancellation(err)) throw err;
      const f = classify(err);
      return fail(ctx, { ...f, message: f.message + cleanupProblem });
    }
  }
}

/** Patch id (wf.patched): boxes whose provisioning history predates failover beyond stock replay without it. */
const FAILOVER_BEYOND_STOCK = 'failover-beyond-stock';

/** The kinds that fail over: today's policy, or the one a history recorded before it replays with. */
function failoverKinds(P: Policies): readonly FailureKind[] {
  return wf.patched(FAILOVER_BEYOND_STOCK) ? P.failover.onKinds : P.failover.legacyOnKinds;
}

/** The create call on one candidate, retried per policy within the create's deadline. */
function createOn(ctx: BoxContext, candidate: Candidate, index: number, deadline: number): Promise<PlacedResource> {
  const { input, box, P } = ctx;
  return withRetries(
    P,
    P.create,
    () => {
      const timeoutMs = Math.max(Math.min(P.createCall.timeout, deadline - Date.now()), 1);
      return ctx.acts.create(timeoutMs).createResource({
        vibeboxId: input.vibeboxId,
        userId: input.userId,
        candidate,
        spec: input.spec,
        // Same workflow, round and candidate → same token: a retried create never makes a second box.
        clientToken: `${wf.workflowInfo().workflowId}-r${box.round}-c${index}`,
        timeoutMs,
      });
    },
    { deadline },
  );
}

/** Waits for RUNNING within what is left of the create's deadline; a running box must have an address. */
async function waitUntilRunning(ctx: BoxContext, created: PlacedResource, deadline: number): Promise<PlacedResource> {
  const running = await waitFor(ctx, created, ResourceStatus.RUNNING, Math.max(deadline - Date.now(), 1));
  const placed = running ?? created;
  if (!placed.ipAddress) {
    throw new OperationFailed({ kind: 'InvalidState', message: `${placed.resourceId} is running but has no address to configure` });
  }
  return placed;
}

/** Provisioning gave up: the box is `error` with the reason, for the user and the operator. */
export function fail(ctx: BoxContext, f: Failure): Promise<void> {
  wf.log.error('provisioning failed', { kind: f.kind, code: f.code, message: f.message });
  ctx.trying = undefined;
  return ctx.setStatus('error', { lastError: `${f.kind}: ${f.message}` });
}

/**
 * Deletes a resource and waits until it is gone. Gracefully first — a running box is stopped
 * (clouds refuse to delete a running instance without force) — then force delete after the
 * graceful timeout or on any failure.
 */
export async function destroy(ctx: BoxContext, r: PlacedResource): Promise<void> {
  await gracefulThenForced(ctx.P.delete, 'delete', async (force, timeoutMs) => {
    if (!force) {
      const now = await describe(ctx, r);
      if (!now) return; // already gone
      if (now.lastSeenStatus === ResourceStatus.RUNNING) {
        await act(ctx, r, 'stop');
        await waitFor(ctx, r, ResourceStatus.STOPPED, timeoutMs);
      }
    }
    if (force) await ctx.setStep('force-deleting');
    await act(ctx, r, 'delete', SINGLE_TRY, force);
    await waitFor(ctx, r, ResourceStatus.DELETED, timeoutMs);
  });
}

/**
 * destroy() that cannot be cancelled and does not throw: for cleanup on a failure path. Returns
 * what went wrong as a suffix for the failure's message ('' when the resource is gone).
 */
export async function destroyQuietly(ctx: BoxContext, r: PlacedResource): Promise<string> {
  let problem = '';
  await wf.CancellationScope.nonCancellable(async () => {
    try {
      await ctx.setStep('cleaning-up');
      await destroy(ctx, r);
      if (ctx.box.resource?.resourceId === r.resourceId) ctx.box.resource = undefined;
    } catch (err) {
      problem = `; cleanup of ${r.resourceId} also failed: ${classify(err).message}`;
    }
  });
  return problem;
}
