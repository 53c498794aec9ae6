/**
 * The fleet's control loops and their cadence (DESIGN.md: fleet control loops). Each entry is a
 * workflow started by a Temporal Schedule that the worker declares at start-up (lib/temporalSchedules.ts),
 * visible and pausable in the Web UI and with `temporal schedule`. Cadences come from policies.ts.
 * Schedule ids carry the task queue, so separate platforms (and test runs) never share one.
 *
 * A new loop is: a workflow file in workflows/, its activities in activities/, its numbers in
 * policies.ts, and one entry here.
 */
import type { DeclaredSchedule } from '../lib/temporalSchedules';
import type { Policies, PolicyOverrides } from './policies';
import { reconcilerWorkflow } from './reconciler';

/** What operators may set through configuration (lib/config.ts RECONCILE_*), in milliseconds. */
export interface FleetSettings {
  reconcileDryRun: boolean;
  reconcileEvery?: number;
  orphanGrace?: number;
  rowGrace?: number;
}

export const reconcileScheduleId = (taskQueue: string) => `${taskQueue}/reconcile`;

export function fleetSchedules(taskQueue: string, P: Policies, settings: FleetSettings): DeclaredSchedule[] {
  const reconcile: PolicyOverrides['reconcile'] = {
    ...(settings.orphanGrace !== undefined ? { orphanGrace: settings.orphanGrace } : {}),
    ...(settings.rowGrace !== undefined ? { rowGrace: settings.rowGrace } : {}),
  };
  return [
    {
      scheduleId: reconcileScheduleId(taskQueue),
      workflowType: reconcilerWorkflow,
      args: [{ dryRun: settings.reconcileDryRun, ...(Object.keys(reconcile).length ? { policyOverrides: { reconcile } } : {}) }],
      every: settings.reconcileEvery ?? P.reconcile.every,
      // A run longer than a few ticks is stuck: end it, so the next tick runs.
      runTimeout: P.reconcile.runTimeout,
      taskQueue,
      note: 'VibeBox reconciler: deletes orphaned tagged resources, reports vanished ones, resolves rows without a workflow (docs/operations.md)',
    },
    {
      scheduleId: `${taskQueue}/provider-health`,
      workflowType: 'providerHealthWorkflow',
      args: [{}],
      every: P.health.every,
      taskQueue,
      note: `healthCheck() of every enabled provider and region; ${P.health.unavailableAfter} failures in a row → unavailable (policies.health)`,
    },
  ];
}
