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
import type { Policies } from './policies';

export function fleetSchedules(taskQueue: string, P: Policies): DeclaredSchedule[] {
  return [
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
