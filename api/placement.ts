/**
 * Where a new box may go, checked before anything is created: the same candidate rules the
 * workflow's selection uses (enabled providers, their regions) and whether the plan fits — a
 * cloud's largest catalog type, or the Docker host's CPUs and memory as the worker published them
 * (`provider_capacity`), and what the health loop marked unavailable (`provider_health`). A request
 * that cannot be placed is a 400 naming the field (a 403 for a plan that may not pin a provider, a
 * 503 while every place it may go is down), not a box that fails minutes later.
 */
import { providerCapacity, providerHealth } from '../drizzle/schema';
import type { Db } from '../lib/db';
import { BoxSize, CATALOG_SIZES, misfit } from '../providers/capacity';
import { isProviderType, type ProviderType } from '../providers/types';
import type { Candidate } from '../workflows/definitions';
import { PlanId, specForPlan } from '../workflows/plans';
import { policies } from '../workflows/policies';
import { choosePlacement, SelectionError, unavailableLookup } from '../workflows/selection';
import { HttpError } from './errors';
import type { CreateVibeBoxRequest } from './schemas';

/** What the API knows of placement: configuration only, it loads no provider. */
export interface PlacementView {
  enabledTypes(): ProviderType[];
  regionsOf(type: ProviderType): string[];
}

/** The sizes each (type, region) can place: published by a worker, else the cloud's catalog. */
async function knownSizes(db: Db): Promise<(c: Candidate) => readonly BoxSize[] | undefined> {
  const published = new Map<string, BoxSize>();
  for (const row of await db.select().from(providerCapacity)) {
    published.set(`${row.providerType}/${row.region}`, { cpu: row.maxCpu, memoryGiB: row.maxMemoryGib });
  }
  return (c) => {
    const own = published.get(`${c.providerType}/${c.region}`);
    return own ? [own] : CATALOG_SIZES[c.providerType];
  };
}

/**
 * Who may pin a provider by hand (seed 策略3 混合模式): the plans in policies.selection.manualPlans
 * (Pro and Enterprise). A request on another plan that names a provider is a 403 saying so. A
 * region alone is not a pin: it is auto selection's "特定区域" rule, open to every plan.
 */
export function checkManualPlacement(req: CreateVibeBoxRequest, manualPlans: readonly PlanId[] = policies.selection.manualPlans): void {
  if (!req.providerType || manualPlans.includes(req.planId)) return;
  const message =
    `the "${req.planId}" plan cannot choose its provider: manual selection is for the ${manualPlans.join(' and ')} plans; ` +
    'leave providerType out and the platform picks one (preference and region still apply)';
  throw new HttpError(403, 'manual_placement_not_allowed', message, [{ field: 'providerType', message }]);
}

/**
 * Throws a 400 with field-level details when the request cannot be placed, and a 503 when every
 * place it may go is unavailable now (health checks): the same rules the workflow's selection uses.
 */
export async function checkPlacement(db: Db, placement: PlacementView, req: CreateVibeBoxRequest): Promise<void> {
  const spec = specForPlan(req.planId);
  const [sizesOf, health] = await Promise.all([knownSizes(db), db.select().from(providerHealth)]);
  try {
    choosePlacement({
      enabled: placement.enabledTypes(),
      regionsOf: (t) => placement.regionsOf(t),
      providerType: req.providerType && isProviderType(req.providerType) ? req.providerType : undefined,
      requestedRegion: req.region,
      fallback: req.fallback,
      preference: req.preference,
      near: req.near,
      spec,
      misfit: (c) => {
        const sizes = sizesOf(c);
        return sizes && misfit(spec, sizes, `${c.providerType} in ${c.region}`);
      },
      unavailable: unavailableLookup(health.map((r) => ({ ...r, providerType: r.providerType as ProviderType }))),
    });
  } catch (err) {
    if (!(err instanceof SelectionError)) throw err;
    if (err.kind === 'unavailable') {
      throw new HttpError(503, 'placement_unavailable', `${err.message}; nothing was created`, [{ field: err.field, message: err.message }], policies.health.every);
    }
    throw new HttpError(400, 'invalid_request', err.message, [{ field: err.field, message: err.message }]);
  }
}
