/**
 * One provider step on a placed resource, as the workflow takes it: act on it, wait for a status,
 * or read it — each an activity under a retry rule from policies.ts.
 */
import type { ProviderAction } from '../providers/calls';
import type { ResourceStatus } from '../providers/types';
import type { BoxContext } from './boxContext';
import type { PlacedResource } from './definitions';
import type { RetryRule } from './policies';
import { SINGLE_TRY, withRetries } from './retries';

export function act(ctx: BoxContext, r: PlacedResource, action: ProviderAction, rule: RetryRule = SINGLE_TRY, force = false): Promise<void> {
  return withRetries(ctx.P, rule, () => ctx.acts.provider.providerAction({ ...ctx.ref(r), action, force }));
}

/**
 * Waits (one heartbeated activity) until the resource reaches `status`; null once it is gone.
 * Right after its create, NotFound is "not listed yet" for as long as the create's grace lasts.
 */
export function waitFor(ctx: BoxContext, r: PlacedResource, status: ResourceStatus, timeoutMs: number): Promise<PlacedResource | null> {
  return withRetries(ctx.P, SINGLE_TRY, () => waitOnce(ctx, r, status, timeoutMs));
}

/** The wait activity itself, for callers that retry it as part of a larger step. */
export function waitOnce(ctx: BoxContext, r: PlacedResource, status: ResourceStatus, timeoutMs: number): Promise<PlacedResource | null> {
  const { initialInterval, maxInterval } = ctx.P.wait;
  const notFoundGraceMs = ctx.notFoundGraceLeft(r);
  return ctx.acts
    .waiting(timeoutMs)
    .waitForStatus({ ...ctx.ref(r), status, timeoutMs, initialIntervalMs: initialInterval, maxIntervalMs: maxInterval, ...(notFoundGraceMs > 0 ? { notFoundGraceMs } : {}) });
}

/** The resource as the provider sees it now; null when it is gone. */
export function describe(ctx: BoxContext, r: PlacedResource): Promise<PlacedResource | null> {
  return withRetries(ctx.P, SINGLE_TRY, () => ctx.acts.provider.describeResource(ctx.ref(r)));
}
