/**
 * After R1: did every step a kill interrupted run again, to completion, on a worker other than
 * the one killed? Read from each box's history: the interrupted activity (by its id) must not have
 * completed on the killed worker, and a run of the same step — the server's retry of it, or a new
 * activity the workflow scheduled — must have completed on another worker. A kill that landed just
 * after the step completed interrupted nothing and is counted apart; so is a box that ended in
 * `error` (it gave up cleanly, e.g. after losing the step's worker `workerLoss` times: the table
 * shows it among the errors).
 */
import type { ChaosEnvironment } from './environment';
import type { InterruptedStep } from './workerKills';
import { workflowIdFor } from '../../workflows/definitions';

export interface RerunReport {
  interrupted: number;
  rerun: number;
  /** The step had completed before the kill landed. */
  finishedFirst: number;
  /** Interrupted, not re-run to completion, and the box ended in error. */
  gaveUp: number;
  /** Interrupted step types that were re-run, e.g. { waitForStatus: 1, configureHappy: 2 }. */
  rerunByType: Record<string, number>;
  problems: string[];
}

interface Run {
  scheduledId: string;
  activityId: string;
  type: string;
  /** The worker whose run is recorded (the last attempt's). */
  identity?: string;
  completed: boolean;
  closedAs?: string;
}

/** Every activity run of a history, in order, with how it closed. */
async function runsOf(env: ChaosEnvironment, boxId: string): Promise<Run[]> {
  const events = (await env.temporal.workflow.getHandle(workflowIdFor(boxId)).fetchHistory()).events ?? [];
  const runs = new Map<string, Run>();
  for (const e of events) {
    const id = String(e.eventId);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) runs.set(id, { scheduledId: id, activityId: scheduled.activityId ?? '', type: scheduled.activityType?.name ?? '', completed: false });
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const run = runs.get(String(started.scheduledEventId));
      if (run) run.identity = started.identity ?? undefined;
    }
    const closes: Array<[string, { scheduledEventId?: unknown } | null | undefined]> = [
      ['completed', e.activityTaskCompletedEventAttributes],
      ['failed', e.activityTaskFailedEventAttributes],
      ['timed out', e.activityTaskTimedOutEventAttributes],
      ['cancelled', e.activityTaskCanceledEventAttributes],
    ];
    for (const [how, attrs] of closes) {
      const run = attrs ? runs.get(String(attrs.scheduledEventId)) : undefined;
      if (run) Object.assign(run, { completed: how === 'completed', closedAs: how });
    }
  }
  return [...runs.values()];
}

export async function checkReruns(env: ChaosEnvironment, steps: InterruptedStep[], endedInError: (boxId: string) => boolean): Promise<RerunReport> {
  const report: RerunReport = { interrupted: 0, rerun: 0, finishedFirst: 0, gaveUp: 0, rerunByType: {}, problems: [] };
  const histories = new Map<string, Run[]>();
  for (const step of steps) {
    if (!histories.has(step.boxId)) histories.set(step.boxId, await runsOf(env, step.boxId));
    const runs = histories.get(step.boxId)!;
    const index = runs.findIndex((r) => r.activityId === step.activityId);
    const run = runs[index];
    const label = `${step.activityType} of ${step.boxId} (killed ${step.identity})`;
    if (!run) {
      report.problems.push(`rerun: ${label} is not in the history`);
      continue;
    }
    if (run.completed && run.identity === step.identity) {
      report.finishedFirst++;
      continue;
    }
    report.interrupted++;
    const redone = [run, ...runs.slice(index + 1)].find((r) => r.type === step.activityType && r.completed && r.identity !== step.identity);
    if (redone) {
      report.rerun++;
      report.rerunByType[step.activityType] = (report.rerunByType[step.activityType] ?? 0) + 1;
    } else if (endedInError(step.boxId)) {
      report.gaveUp++;
    } else {
      report.problems.push(`rerun: ${label} (${run.closedAs ?? 'still open'}) never completed on another worker`);
    }
  }
  return report;
}
