/**
 * Where a new box may go, checked before anything is created: the same candidate rules the
 * workflow's selection uses (enabled providers, their regions) and whether the plan fits — a
 * cloud's largest catalog type, or the Docker host's CPUs and memory as the worker published them
 * (`provider_capacity`). A request that cannot be placed is a 400 naming the field, not a box that
 * fails minutes later.
 */
import { providerCapacity } from '../drizzle/schema';
import type { Db } from '../lib/db';
import { BoxSize, CATALOG_SIZES, misfit } from '../providers/capacity';
import { isProviderType, type ProviderType } from '../providers/types';
import type { Candidate } from '../workflows/definitions';
import { specForPlan } from '../workflows/plans';
import { orderCandidates, SelectionError } from '../workflows/selection';
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

/** Throws a 400 with field-level details when the request cannot be placed. */
export async function checkPlacement(db: Db, placement: PlacementView, req: CreateVibeBoxRequest): Promise<void> {
  const spec = specForPlan(req.planId);
  const sizesOf = await knownSizes(db);
  try {
    orderCandidates({
      enabled: placement.enabledTypes(),
      regionsOf: (t) => placement.regionsOf(t),
      providerType: req.providerType && isProviderType(req.providerType) ? req.providerType : undefined,
      requestedRegion: req.region,
      misfit: (c) => {
        const sizes = sizesOf(c);
        return sizes && misfit(spec, sizes, `${c.providerType} in ${c.region}`);
      },
    });
  } catch (err) {
    if (!(err instanceof SelectionError)) throw err;
    throw new HttpError(400, 'invalid_request', err.message, [{ field: err.field, message: err.message }]);
  }
}
