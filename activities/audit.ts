/**
 * The audit log: one `provider_calls` row per provider API call. Providers report calls to the
 * pool; the activity that made the call says which VibeBox it was for through async context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { providerCalls } from '../drizzle/schema';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { ProviderPool } from '../providers/pool';
import type { WorkerMetrics } from './metrics';

const currentVibeBox = new AsyncLocalStorage<string>();

/** Runs `fn` with its provider calls attributed to `vibeboxId`. */
export function forVibeBox<T>(vibeboxId: string, fn: () => Promise<T>): Promise<T> {
  return currentVibeBox.run(vibeboxId, fn);
}

export function recordProviderCalls(pool: ProviderPool, db: Db, log: Logger, metrics?: WorkerMetrics): void {
  pool.onCall((record) => {
    if (metrics) {
      const labels = { provider: record.provider, region: record.region ?? 'none', action: record.action, outcome: record.outcome };
      metrics.providerCalls.inc({ ...labels, failure_kind: record.errorKind ?? '' });
      metrics.providerCallSeconds.observe(labels, record.durationMs / 1000);
    }
    db.insert(providerCalls)
      .values({
        vibeboxId: currentVibeBox.getStore() ?? null,
        provider: record.provider,
        region: record.region,
        action: record.action,
        resourceId: record.resourceId ?? null,
        traceId: record.traceId,
        providerRequestId: record.providerRequestId ?? null,
        outcome: record.outcome,
        errorKind: record.errorKind ?? null,
        errorCode: record.errorCode ?? null,
        durationMs: record.durationMs,
      })
      .catch((err: unknown) => log.warn('audit insert failed', { error: err }));
  });
}
