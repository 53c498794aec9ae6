/**
 * The health loop's activities (workflows/providerHealth.ts decides; these only do): which
 * (provider, region) pairs are enabled, one healthCheck() bounded by a timeout, the stored records,
 * and the alert — an error-level log line and, when VIBEBOX_ALERT_WEBHOOK_URL is set, a JSON POST.
 */
import { providerHealth } from '../drizzle/schema';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import { redact } from '../lib/redact';
import type { ProviderPool } from '../providers/pool';
import type { HealthResult, ProviderType } from '../providers/types';
import type { HealthRecord, HealthTarget } from '../workflows/definitions';

export interface HealthActivityDeps {
  db: Db;
  providers: ProviderPool;
  log: Logger;
  /** Where alerts are POSTed besides the log; none when unset. */
  alertWebhookUrl?: string;
}

/** How long the alert webhook may take: an alert must not hold up the health round. */
const WEBHOOK_TIMEOUT_MS = 5_000;

const reasonOf = (err: unknown) => String(redact(err instanceof Error ? err.message : String(err)));

export const createHealthActivities = ({ db, providers, log, alertWebhookUrl }: HealthActivityDeps) => ({
  /** Every enabled (provider, region), as configuration says now. */
  async healthTargets(): Promise<HealthTarget[]> {
    return providers.enabledTypes().flatMap((providerType) => providers.regionsOf(providerType).map((region) => ({ providerType, region })));
  },

  /**
   * One healthCheck() of one (provider, region). A provider that cannot even be built (enabled
   * but not configured: no keys, a bad endpoint) fails its check with that reason; a check still
   * unanswered after `timeoutMs` fails as hung.
   */
  async checkProviderHealth(input: HealthTarget & { timeoutMs: number }): Promise<HealthResult> {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<HealthResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${input.timeoutMs} ms` }), input.timeoutMs);
    });
    const check = async (): Promise<HealthResult> => {
      try {
        const provider = await providers.get(input.providerType, input.region);
        if (provider.checkHealth) return await provider.checkHealth();
        return (await provider.healthCheck()) ? { ok: true } : { ok: false, reason: 'healthCheck() returned false' };
      } catch (err) {
        return { ok: false, reason: `not usable: ${reasonOf(err)}` };
      }
    };
    try {
      const result = await Promise.race([check(), hung]);
      return result.ok ? result : { ok: false, reason: reasonOf(result.reason) };
    } finally {
      clearTimeout(timer);
    }
  },

  async readHealth(): Promise<HealthRecord[]> {
    const rows = await db.select().from(providerHealth);
    return rows.map((r) => ({
      providerType: r.providerType as ProviderType,
      region: r.region,
      available: r.available,
      consecutiveFailures: r.consecutiveFailures,
      lastError: r.lastError,
      lastCheckedAt: r.lastCheckedAt.toISOString(),
      lastOkAt: r.lastOkAt?.toISOString() ?? null,
      changedAt: r.changedAt.toISOString(),
    }));
  },

  async writeHealth(r: HealthRecord): Promise<void> {
    const row = {
      available: r.available,
      consecutiveFailures: r.consecutiveFailures,
      lastError: r.lastError,
      lastCheckedAt: new Date(r.lastCheckedAt),
      lastOkAt: r.lastOkAt ? new Date(r.lastOkAt) : null,
      changedAt: new Date(r.changedAt),
    };
    await db
      .insert(providerHealth)
      .values({ providerType: r.providerType, region: r.region, ...row })
      .onConflictDoUpdate({ target: [providerHealth.providerType, providerHealth.region], set: row });
  },

  /** A (provider, region) changed availability: tell the operators. */
  async raiseHealthAlert(r: HealthRecord): Promise<void> {
    const alert = {
      alert: r.available ? 'provider_recovered' : 'provider_unavailable',
      providerType: r.providerType,
      region: r.region,
      consecutiveFailures: r.consecutiveFailures,
      reason: r.lastError,
      at: r.changedAt,
    };
    if (r.available) log.warn('provider available again: new boxes may go there', alert);
    else log.error('provider unavailable: new boxes go elsewhere', alert);
    if (!alertWebhookUrl) return;
    try {
      const res = await fetch(alertWebhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alert),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      // The log line above is the alert of record; a webhook that is down must not stall the loop.
      log.error('alert webhook failed', { error: err, alert: alert.alert });
    }
  },
});

export type HealthActivities = ReturnType<typeof createHealthActivities>;
