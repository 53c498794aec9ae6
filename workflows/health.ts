/**
 * The health rule (seed 监控与容错), as a pure function: what one check does to a (provider,
 * region)'s health record. `unavailableAfter` failures in a row mark it unavailable; one success
 * brings it back. The health workflow applies it; the tests read the same numbers.
 */
import type { CheckOutcome, HealthRecord, HealthTarget } from './definitions';
import type { Policies } from './policies';

/** The record after one check at `now`, and whether availability changed (an alert is due). */
export function nextHealth(
  target: HealthTarget,
  previous: HealthRecord | undefined,
  outcome: CheckOutcome,
  now: string,
  rule: Policies['health'],
): { record: HealthRecord; changed: boolean } {
  const wasAvailable = previous?.available ?? true;
  const failures = outcome.ok ? 0 : (previous?.consecutiveFailures ?? 0) + 1;
  const available = outcome.ok || (wasAvailable && failures < rule.unavailableAfter);
  const changed = available !== wasAvailable;
  return {
    record: {
      ...target,
      available,
      consecutiveFailures: failures,
      lastError: outcome.ok ? null : outcome.reason,
      lastCheckedAt: now,
      lastOkAt: outcome.ok ? now : (previous?.lastOkAt ?? null),
      changedAt: changed || !previous ? now : previous.changedAt,
    },
    changed,
  };
}
