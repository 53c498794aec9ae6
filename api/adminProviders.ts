/**
 * GET /api/admin/providers (admin token only): every enabled (provider, region) with its health
 * as the health Schedule last recorded it — available or not, when it was last checked and last
 * answered, how many checks failed in a row and why. A pair never checked yet says so.
 */
import { Router } from 'express';
import { providerHealth } from '../drizzle/schema';
import type { Db } from '../lib/db';
import { policies } from '../workflows/policies';
import type { PlacementView } from './placement';

export function adminProvidersRoutes(deps: { db: Db; placement: PlacementView }): Router {
  const router = Router();
  router.get('/providers', async (_req, res) => {
    const rows = await deps.db.select().from(providerHealth);
    const recorded = new Map(rows.map((r) => [`${r.providerType}/${r.region}`, r]));
    const items = deps.placement.enabledTypes().flatMap((providerType) =>
      deps.placement.regionsOf(providerType).map((region) => {
        const r = recorded.get(`${providerType}/${region}`);
        if (!r) return { providerType, region, health: 'unchecked', lastCheckedAt: null, lastOkAt: null, consecutiveFailures: 0, why: 'not checked yet' };
        return {
          providerType,
          region,
          health: r.available ? 'available' : 'unavailable',
          lastCheckedAt: r.lastCheckedAt.toISOString(),
          lastOkAt: r.lastOkAt?.toISOString() ?? null,
          since: r.changedAt.toISOString(),
          consecutiveFailures: r.consecutiveFailures,
          why: r.available
            ? r.lastError
              ? `last check failed (${r.consecutiveFailures} of ${policies.health.unavailableAfter} before unavailable): ${r.lastError}`
              : 'last check passed'
            : `${r.consecutiveFailures} failed checks in a row (${policies.health.unavailableAfter} make it unavailable); last: ${r.lastError}`,
        };
      }),
    );
    res.json({ checkEveryMs: policies.health.every, unavailableAfter: policies.health.unavailableAfter, items });
  });
  return router;
}
