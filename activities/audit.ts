/**
 * The audit log: one `provider_calls` row per provider API call. Providers report calls to the
 * pool; the activity that made the call says which VibeBox it was for through async context.
 * Rows are written in the background and kept while Postgres is unavailable, then written when it
 * is back (each keeps the time of its call). The backlog is in memory: a worker that dies during an
 * outage loses its unwritten rows, and past `MAX_BACKLOG` the oldest are dropped with a warning.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { providerCalls, ProviderCallRow } from '../drizzle/schema';
import { DatabaseRetry, Db, isDatabaseUnavailable } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { ProviderPool } from '../providers/pool';

const currentVibeBox = new AsyncLocalStorage<string>();

/** Rows held while Postgres is away (≈ 200 B each). */
const MAX_BACKLOG = 50_000;
/** Rows per insert when catching up. */
const BATCH = 200;

/** Runs `fn` with its provider calls attributed to `vibeboxId`. */
export function forVibeBox<T>(vibeboxId: string, fn: () => Promise<T>): Promise<T> {
  return currentVibeBox.run(vibeboxId, fn);
}

export function recordProviderCalls({ providers, db, log, databaseRetry }: { providers: ProviderPool; db: Db; log: Logger; databaseRetry: DatabaseRetry }): void {
  const writer = new AuditWriter(db, log, databaseRetry);
  providers.onCall((record) =>
    writer.add({
      at: new Date(),
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
    }),
  );
}

class AuditWriter {
  private readonly backlog: ProviderCallRow[] = [];
  private writing = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly retry: DatabaseRetry,
  ) {}

  add(row: ProviderCallRow): void {
    if (this.backlog.length >= MAX_BACKLOG) {
      this.backlog.shift();
      this.log.warn('audit backlog full: dropped the oldest unwritten provider call', { max: MAX_BACKLOG });
    }
    this.backlog.push(row);
    void this.drain();
  }

  /** One drain at a time, in order; an outage pauses it (backing off) and never drops a row. */
  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    let wait = this.retry.initialInterval;
    try {
      while (this.backlog.length > 0) {
        const batch = this.backlog.slice(0, BATCH);
        try {
          await this.db.insert(providerCalls).values(batch);
          this.backlog.splice(0, batch.length);
          wait = this.retry.initialInterval;
        } catch (err) {
          if (!isDatabaseUnavailable(err)) {
            this.backlog.splice(0, batch.length);
            this.log.warn('audit insert failed', { error: err, rows: batch.length });
            continue;
          }
          if (wait === this.retry.initialInterval) this.log.warn('audit insert waits for the database', { backlog: this.backlog.length });
          // Unref'd: a backlog must not keep a stopping worker alive.
          await new Promise((resolve) => setTimeout(resolve, wait).unref());
          wait = Math.min(wait * 2, this.retry.maxInterval);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
