/**
 * Temporal Schedules kept as declared. Each declared Schedule is created when missing and brought
 * back in line when its cadence, workflow, arguments or task queue differ, so every worker
 * start-up is idempotent and a changed policy reaches the running Schedule. Whether a Schedule is
 * paused stays the operator's choice (`temporal schedule toggle --pause`): it is never unpaused here.
 */
import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';

export interface DeclaredSchedule {
  /** Unique within the namespace; include the task queue so test platforms never share one. */
  scheduleId: string;
  workflowType: Workflow | string;
  args: unknown[];
  /** Cadence in milliseconds. */
  every: number;
  /**
   * How long one run may take (milliseconds). With overlapping runs skipped, a run that never ends
   * (no worker left for its queue, a stuck activity) would block every later tick; this ends it.
   */
  runTimeout?: number;
  taskQueue: string;
  /** Shown in the Web UI and `temporal schedule describe`. */
  note: string;
}

export async function ensureSchedules(client: Client, schedules: readonly DeclaredSchedule[]): Promise<void> {
  for (const s of schedules) await ensureSchedule(client, s);
}

async function ensureSchedule(client: Client, s: DeclaredSchedule): Promise<void> {
  const spec = { intervals: [{ every: s.every }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: s.workflowType,
    args: s.args,
    taskQueue: s.taskQueue,
    // One run per tick and schedule: the id makes a second start of the same tick impossible.
    workflowId: `${s.scheduleId}`,
    ...(s.runTimeout !== undefined ? { workflowExecutionTimeout: s.runTimeout } : {}),
  };
  try {
    await client.schedule.create({
      scheduleId: s.scheduleId,
      spec,
      action,
      // A slow run is not stacked with the next one: the tick is skipped, the loop stays single.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: s.every },
      state: { note: s.note },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(s.scheduleId);
    const current = await handle.describe();
    const currentEvery = current.spec.intervals?.[0]?.every;
    const currentAction = current.action as { workflowType?: string; args?: unknown[]; taskQueue?: string; workflowExecutionTimeout?: unknown };
    const wantedType = typeof s.workflowType === 'string' ? s.workflowType : s.workflowType.name;
    const same =
      current.spec.intervals?.length === 1 &&
      Number(currentEvery) === s.every &&
      currentAction.workflowType === wantedType &&
      currentAction.taskQueue === s.taskQueue &&
      Number(currentAction.workflowExecutionTimeout ?? 0) === (s.runTimeout ?? 0) &&
      JSON.stringify(currentAction.args ?? []) === JSON.stringify(s.args);
    if (same) return;
    await handle.update((prev) => ({ ...prev, spec, action }));
  }
}
