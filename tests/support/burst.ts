/**
 * A burst of creates from one user, through the API, and what became of it: how many boxes went
 * `active` or `error`, how many were still stuck at the deadline, how long they took, how loaded
 * the host got, and how many configureHappy activities ran at once (read from the workflows'
 * histories). Shared by tests/e2e/burst.test.ts (a small N in CI) and bench/burst.ts (N = 40).
 */
import os from 'node:os';
import { inArray } from 'drizzle-orm';
import { vibeboxes } from '../../drizzle/schema';
import { workflowIdFor } from '../../workflows/definitions';
import { eventually, TestPlatform } from './platform';

export interface BurstResult {
  ids: string[];
  /** Answers to the N creates, by HTTP status. */
  answers: Record<number, number>;
  active: number;
  error: number;
  /** Neither active nor error when the deadline passed. */
  stuck: string[];
  errors: string[];
  secondsToSettle: number;
  maxLoad1: number;
  /** The most configureHappy activities running at the same moment, over every box. */
  maxConfigureOverlap: number;
  /** The task queues configureHappy was scheduled on. */
  configureQueues: string[];
}

/** `onCreated` hears the admitted boxes' ids at once, so a caller can clean up even if the wait is cut short. */
export async function createBurst(p: TestPlatform, token: string, n: number, deadlineMs: number, onCreated?: (ids: string[]) => void): Promise<BurstResult> {
  let maxLoad1 = os.loadavg()[0];
  const sampler = setInterval(() => (maxLoad1 = Math.max(maxLoad1, os.loadavg()[0])), 1_000);
  const started = Date.now();
  try {
    const answers = await Promise.all(Array.from({ length: n }, () => p.call(token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' })));
    const ids = answers.filter((a) => a.status === 202).map((a) => a.body.id as string);
    onCreated?.(ids);
    const settled = (s: string) => s === 'active' || s === 'error';
    const rows = async () => (ids.length ? p.database.db.select().from(vibeboxes).where(inArray(vibeboxes.id, ids)) : []);
    const last = await eventually(rows, (rs) => rs.every((r) => settled(r.status)), deadlineMs, 2_000).catch(() => rows());
    const secondsToSettle = (Date.now() - started) / 1000;
    const overlap = await configureOverlap(p, ids);
    return {
      ids,
      answers: answers.reduce<Record<number, number>>((m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }), {}),
      active: last.filter((r) => r.status === 'active').length,
      error: last.filter((r) => r.status === 'error').length,
      stuck: last.filter((r) => !settled(r.status)).map((r) => r.id),
      errors: last.filter((r) => r.status === 'error').map((r) => `${r.id}: ${r.lastError}`),
      secondsToSettle,
      maxLoad1,
      ...overlap,
    };
  } finally {
    clearInterval(sampler);
  }
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

/** From the histories: every configureHappy run as [start, end], the most at once, and where they were scheduled. */
async function configureOverlap(p: TestPlatform, ids: string[]): Promise<{ maxConfigureOverlap: number; configureQueues: string[] }> {
  const edges: Array<[number, number]> = [];
  const queues = new Set<string>();
  for (const id of ids) {
    const history = await p.temporal.workflow.getHandle(workflowIdFor(id)).fetchHistory();
    const configure = new Set<string>();
    const startedAt = new Map<string, number>();
    for (const e of history.events ?? []) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === 'configureHappy') {
        configure.add(String(e.eventId));
        queues.add(scheduled.taskQueue?.name ?? '');
      }
      const started = e.activityTaskStartedEventAttributes;
      if (started && configure.has(String(started.scheduledEventId))) startedAt.set(String(started.scheduledEventId), ms(e.eventTime));
      const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      const from = closed ? startedAt.get(String(closed.scheduledEventId)) : undefined;
      if (from !== undefined) edges.push([from, +1], [ms(e.eventTime), -1]);
    }
  }
  // Ends before starts at the same instant: back-to-back runs do not count as overlapping.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, delta] of edges) most = Math.max(most, (now += delta));
  return { maxConfigureOverlap: most, configureQueues: [...queues] };
}

/** Deletes the boxes through the API and waits until their rows are gone. */
export async function deleteAll(p: TestPlatform, token: string, ids: string[]): Promise<void> {
  for (const id of ids) await p.call(token, 'DELETE', `/api/vibeboxes/${id}`);
  if (ids.length) await eventually(() => p.database.db.select().from(vibeboxes).where(inArray(vibeboxes.id, ids)), (rs) => rs.length === 0, 10 * 60_000, 2_000);
}
