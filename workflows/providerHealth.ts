/**
 * providerHealthWorkflow: one round of health checks (DESIGN.md: fleet control loops), started
 * every policies.health.every by its Schedule (schedules.ts). Each enabled (provider, region) is
 * checked through an activity; health.ts decides what the result does to its record; the record is
 * written to Postgres, where selection and the API read it; a change of availability raises an
 * alert. Existing boxes are never touched: health only steers new ones.
 */
import * as wf from '@temporalio/workflow';
import type { HealthActivities } from '../activities/providerHealth';
import { classify } from './failures';
import type { CheckOutcome, HealthRecord, HealthTarget } from './definitions';
import { nextHealth } from './health';
import { PolicyOverrides, resolvePolicies } from './policies';

export interface HealthRoundInput {
  /** Tests may tighten timings; the Schedule runs the policies as written. */
  policyOverrides?: PolicyOverrides;
}

export async function providerHealthWorkflow(input: HealthRoundInput = {}): Promise<HealthRecord[]> {
  const P = resolvePolicies(input.policyOverrides);
  const bookkeeping = wf.proxyActivities<HealthActivities>({ startToCloseTimeout: P.bookkeeping.timeout });
  // One try: a check that fails or hangs is the finding, not something to retry.
  const probe = wf.proxyActivities<HealthActivities>({ startToCloseTimeout: P.health.checkTimeout + P.wait.activitySlack, retry: { maximumAttempts: 1 } });
  const [targets, known] = await Promise.all([bookkeeping.healthTargets(), bookkeeping.readHealth()]);
  const previous = new Map(known.map((r) => [`${r.providerType}/${r.region}`, r]));

  return Promise.all(
    targets.map(async (target: HealthTarget) => {
      let outcome: CheckOutcome;
      try {
        outcome = await probe.checkProviderHealth({ ...target, timeoutMs: P.health.checkTimeout });
      } catch (err) {
        outcome = { ok: false, reason: classify(err).message };
      }
      const now = new Date(Date.now()).toISOString();
      const { record, changed } = nextHealth(target, previous.get(`${target.providerType}/${target.region}`), outcome, now, P.health);
      await bookkeeping.writeHealth(record);
      if (changed) await bookkeeping.raiseHealthAlert(record);
      return record;
    }),
  );
}
