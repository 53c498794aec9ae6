/**
 * Provisioning (seed 资源生命周期: create → wait RUNNING → configure Happy) and its inverse:
 * candidates in order with failover, cleanup of anything made when a later step fails, and the
 * graceful-then-forced destroy that every teardown uses.
 *
 * Nothing a create makes may be lost (issue 7, durable create): the resource id goes into workflow
 * state the moment the create answers, before the projection or anything else can fail; a create
 * is never abandoned half-way (not even by a cancellation: its outcome is waited for); a retry
 * sends the same placement under the same client token and first looks for what an earlier try
 * made; and whatever a create under a token may have made is looked for and removed when the
 * candidate is given up. What is still missed — a create accepted but not listed for longer than
 * all that — carries the project's tags, and the reconciler removes it.
 */
import * as wf from '@temporalio/workflow';
import { ResourceStatus } from '../providers/types';
import type { BoxContext } from './boxContext';
import type { FailureKind } from '../providers/calls';
import type { Candidate, CreateAttempt, PlacedResource } from './definitions';
import { classify, Failure, OperationFailed } from './failures';
import { act, describe, waitFor } from './providerSteps';
import type { Policies } from './policies';
import { gracefulThenForced, SINGLE_TRY, withRetries } from './retries';
import type { Placement } from './selection';

/** Provisions a box from scratch (a new round: a new client token per candidate). Ends `active` or `error`. */
export async function provision(ctx: BoxContext): Promise<void> {
  const { box, input, P } = ctx;
  box.round += 1;
  await ctx.progress('provisioning', { lastError: undefined });
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
    box.creating = { candidate, placed: false, clientToken: `${wf.workflowInfo().workflowId}-r${box.round}-c${index}`, mayExist: false, accepted: false };
    ctx.trying = candidate;
    try {
      await ctx.setStep('creating');
      created = await createOn(ctx, box.creating, deadline);
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      const f = classify(err);
      // The candidate is given up: nothing an earlier try may have made under its token stays behind
      // (what a failed sweep misses carries our tags: the reconciler finds it).
      const cleanupProblem = await sweepQuietly(ctx);
      const more = index < candidates.length - 1;
      if (more && failoverKinds(P).includes(f.kind)) {
        wf.log.warn('failing over', { from: candidate, to: candidates[index + 1], kind: f.kind, message: f.message + cleanupProblem });
        continue;
      }
      // The last candidate failed too: say where else it was tried, so "error" explains itself.
      const tried = index > 0 ? ` (after ${candidates.slice(0, index).map((c) => `${c.providerType}/${c.region}`).join(', ')})` : '';
      return fail(ctx, { ...f, message: `${candidate.providerType}/${candidate.region}: ${f.message}${tried}${cleanupProblem}` });
    }
    ctx.trying = undefined;
    try {
      await ctx.progress('provisioning', { resource: created, step: 'booting' });
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
      return ctx.progress('active', { resource: placed, creating: undefined });
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

/**
 * The create on one candidate, retried per policy within the create's deadline. Each try is
 * (placement, chosen once) + the create call, which runs to its end even when the workflow or a
 * delete cancels provisioning: its outcome is what a teardown needs to know.
 */
function createOn(ctx: BoxContext, attempt: CreateAttempt, deadline: number): Promise<PlacedResource> {
  const { input, box, P } = ctx;
  return withRetries(
    P,
    P.create,
    async () => {
      if (!attempt.placed) {
        const placement = await ctx.acts.provider.choosePlacement({ vibeboxId: input.vibeboxId, candidate: attempt.candidate, spec: input.spec });
        attempt.candidate = { ...attempt.candidate, ...placement };
        attempt.placed = true;
      }
      const timeoutMs = Math.max(Math.min(P.createCall.timeout, deadline - Date.now()), 1);
      const request = {
        vibeboxId: input.vibeboxId,
        userId: input.userId,
        candidate: attempt.candidate,
        spec: input.spec,
        clientToken: attempt.clientToken,
        timeoutMs,
        lookFirst: attempt.mayExist,
        onlyLook: attempt.accepted,
      };
      attempt.mayExist = true; // from here on, the cloud may have made it
      try {
        const created = await wf.CancellationScope.nonCancellable(() => ctx.acts.create(timeoutMs).createResource(request));
        // Into workflow state before anything else can fail: from now on every teardown knows it.
        Object.assign(attempt, { resourceId: created.resourceId, madeAt: Date.now() });
        box.resource = created;
        return created;
      } catch (err) {
        if (classify(err).createAccepted) attempt.accepted = true;
        throw err;
      }
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
  return ctx.progress('error', { lastError: `${f.kind}: ${f.message}`, creating: undefined });
}

/**
 * Deletes a resource and waits until it is gone. Gracefully first — a running box is stopped
 * (clouds refuse to delete a running instance without force) — then force delete after the
 * graceful timeout or on any failure. A resource just created that the provider does not list
 * yet is waited for (within the create's grace): "not found" then is not "already gone".
 */
export async function destroy(ctx: BoxContext, r: PlacedResource): Promise<void> {
  await gracefulThenForced(ctx.P.delete, 'delete', async (force, timeoutMs) => {
    if (!force) {
      const now = await describeOnceVisible(ctx, r);
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
  if (ctx.box.creating?.resourceId === r.resourceId) ctx.box.creating.madeAt = undefined; // gone: NotFound is the truth now
}

/** describe(), except that NotFound within the create's grace waits for the resource to be listed. */
async function describeOnceVisible(ctx: BoxContext, r: PlacedResource): Promise<PlacedResource | null> {
  const now = await describe(ctx, r);
  const graceLeft = ctx.notFoundGraceLeft(r);
  if (now || graceLeft <= 0) return now;
  try {
    // Any status will do; RUNNING is where a new resource heads, and an ERROR ends the wait early.
    return await waitFor(ctx, r, ResourceStatus.RUNNING, graceLeft);
  } catch {
    return describe(ctx, r);
  }
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

/**
 * Removes whatever the create in flight made, by its client token — for teardowns that may not
 * have its id (an answer lost, an order not resolved). Done: `box.creating` is cleared.
 */
export async function sweep(ctx: BoxContext): Promise<void> {
  const attempt = ctx.box.creating;
  if (!attempt?.mayExist) return void (ctx.box.creating = undefined);
  const { providerType, region } = attempt.candidate;
  const found = await withRetries(ctx.P, SINGLE_TRY, () =>
    ctx.acts.provider.findByClientToken({ vibeboxId: ctx.vibeboxId, providerType, region, clientToken: attempt.clientToken }),
  );
  for (const r of found) {
    wf.log.warn('removing what an unfinished create made', { resourceId: r.resourceId, clientToken: attempt.clientToken });
    await destroy(ctx, r);
  }
  ctx.box.creating = undefined;
}

/** sweep() for a failure path: not cancellable, never throws; returns a message suffix like destroyQuietly. */
async function sweepQuietly(ctx: BoxContext): Promise<string> {
  let problem = '';
  await wf.CancellationScope.nonCancellable(async () => {
    try {
      await sweep(ctx);
    } catch (err) {
      problem = `; cleanup under ${ctx.box.creating?.clientToken} also failed: ${classify(err).message}`;
    }
  });
  return problem;
}

/** Everything the box has: its resource, and anything a create in flight made. For delete and teardown. */
export async function destroyAll(ctx: BoxContext): Promise<void> {
  const r = ctx.box.resource;
  if (r) {
    await destroy(ctx, r);
    ctx.box.resource = undefined;
  }
  await sweep(ctx);
}
