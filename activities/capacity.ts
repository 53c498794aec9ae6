/**
 * Publishes what each enabled provider can place (providers/capacity.ts) into `provider_capacity`,
 * for the API's plan check: the API loads no provider code, so it cannot ask `docker info` itself.
 * Only providers that report their own capacity are published (the clouds' catalogs are data the
 * API reads directly). The worker runs this at start; a failure is logged, not fatal — the API
 * then admits the plan and the create fails in the workflow as it would have anyway.
 */
import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import { providerCapacity } from '../drizzle/schema';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { ProviderPool } from '../providers/pool';

export async function publishProviderCapacity({ db, providers, log }: { db: Db; providers: ProviderPool; log: Logger }): Promise<void> {
  for (const type of providers.enabledTypes()) {
    for (const region of providers.regionsOf(type)) {
      try {
        const provider = await providers.get(type, region);
        if (!provider.capacity) continue;
        const { cpu, memoryGiB } = await provider.capacity();
        const row = { maxCpu: cpu, maxMemoryGib: memoryGiB, source: `${provider.name} seen from ${hostname()}` };
        await db
          .insert(providerCapacity)
          .values({ providerType: type, region, ...row })
          .onConflictDoUpdate({ target: [providerCapacity.providerType, providerCapacity.region], set: { ...row, observedAt: sql`now()` } });
      } catch (err) {
        log.warn('could not publish provider capacity', { providerType: type, region, error: err });
      }
    }
  }
}
