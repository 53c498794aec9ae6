/** Helpers for workflow tests: start a VibeBox workflow directly (as the API would) and watch it. */
import { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { vibeboxes } from '../../drizzle/schema';
import { generatePassword } from '../../lib/passwords';
import { SecretBox } from '../../lib/secretBox';
import { newVibeBoxId } from '../../api/vibeboxService';
import {
  PlacedResource,
  reprojectSignal,
  searchAttributes,
  stateQuery,
  VibeBoxState,
  VibeBoxStatus,
  VibeBoxWorkflowInput,
  workflowIdFor,
} from '../../workflows/definitions';
import { vibeBoxWorkflow } from '../../workflows/vibebox';
import { eventually, TestPlatform } from './platform';

export interface StartedBox {
  id: string;
  password: string;
  handle: WorkflowHandleWithFirstExecutionRunId<typeof vibeBoxWorkflow>;
  state(): Promise<VibeBoxState>;
  waitFor(status: VibeBoxStatus | VibeBoxStatus[], timeoutMs?: number): Promise<VibeBoxState>;
}

/** A new user's `provisioning` row as the API inserts it (password sealed), with `row` on top. */
export async function insertBoxRow(p: TestPlatform, row: Partial<typeof vibeboxes.$inferInsert> = {}) {
  const { userId } = await p.newUser();
  const id = row.id ?? newVibeBoxId();
  const password = generatePassword();
  await p.database.db.insert(vibeboxes).values({
    id,
    userId,
    planId: 'basic',
    status: 'provisioning',
    sshPasswordEnc: new SecretBox(p.config.VIBEBOX_SECRET_KEY).seal(password),
    deployment: p.deployment,
    ...row,
  });
  return { id, userId, password };
}

/** `row`: columns to set on the box's row beyond what the API writes (e.g. an earlier machine's host key). */
export async function startBox(p: TestPlatform, input: Partial<VibeBoxWorkflowInput> = {}, row: Partial<typeof vibeboxes.$inferInsert> = {}): Promise<StartedBox> {
  const { id, userId, password } = await insertBoxRow(p, input.vibeboxId ? { ...row, id: input.vibeboxId } : row);
  const handle = await p.temporal.workflow.start(vibeBoxWorkflow, {
    workflowId: workflowIdFor(id),
    taskQueue: p.config.TEMPORAL_TASK_QUEUE,
    args: [{ vibeboxId: id, userId, planId: 'basic', spec: { cpu: 1, memory: 1, disk: 10 }, ...input }],
    typedSearchAttributes: [
      { key: searchAttributes.vibeboxId, value: id },
      { key: searchAttributes.userId, value: userId },
    ],
  });
  const state = () => handle.query(stateQuery);
  return {
    id,
    password,
    handle,
    state,
    waitFor: async (status, timeoutMs = 5 * 60_000) => {
      const wanted = Array.isArray(status) ? status : [status];
      // An unexpected error ends the wait at once, with the reason in the failure.
      const settled = await eventually(state, (s) => wanted.includes(s.status) || s.status === 'error', timeoutMs);
      if (!wanted.includes(settled.status)) throw new Error(`box ${id} is ${settled.status}: ${settled.lastError}`);
      return settled;
    },
  };
}

export async function rowOf(p: TestPlatform, id: string) {
  const [row] = await p.database.db.select().from(vibeboxes).where(eq(vibeboxes.id, id));
  return row;
}

/**
 * A workflow history as text with every payload decoded in place, so a secret in one would show.
 * (As JSON the history's protobuf classes turn payload bytes into base64, where a search for a
 * secret finds nothing.)
 */
export function historyText(history: unknown): string {
  return JSON.stringify(history).replace(/"data":"([A-Za-z0-9+/=]*)"/g, (_m, b64: string) => `"data":${Buffer.from(b64, 'base64').toString('utf8')}`);
}

/** Activity inputs scheduled in the history, by activity type — to see what the workflow decided. */
export async function scheduledActivities(handle: WorkflowHandle): Promise<Array<{ type: string; input: any }>> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => {
      const a = e.activityTaskScheduledEventAttributes!;
      const payload = a.input?.payloads?.[0]?.data;
      return { type: a.activityType?.name ?? '', input: payload ? JSON.parse(Buffer.from(payload).toString('utf8')) : undefined };
    });
}

/** Durations (ms) of the timers the workflow started, in order. */
export async function timersStarted(handle: WorkflowHandle): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.timerStartedEventAttributes)
    .map((e) => {
      const d = e.timerStartedEventAttributes!.startToFireTimeout!;
      return Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6);
    });
}

/**
 * A box whose workflow takes over an existing resource in `status` (as a continued-as-new run
 * would), its row written from the workflow: for tests of what happens to a box once it exists,
 * without provisioning one.
 */
export async function adoptBox(p: TestPlatform, resource: PlacedResource, status: VibeBoxStatus, input: Partial<VibeBoxWorkflowInput> = {}): Promise<StartedBox> {
  const box = await startBox(p, { providerType: resource.providerType, ...input, state: { status, resource, round: 1 } });
  await box.handle.signal(reprojectSignal);
  await eventually(() => rowOf(p, box.id), (row) => row?.status === status && row.resourceId === resource.resourceId, 30_000, 100);
  return box;
}

/** Waits until an activity of this type is running (started, not just scheduled) in the box's workflow. */
export async function activityRunning(handle: WorkflowHandle, type: string, timeoutMs = 60_000): Promise<void> {
  const STARTED = 2; // temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
  await eventually(
    async () => (await handle.describe()).raw.pendingActivities ?? [],
    (pending) => pending.some((a) => a.activityType?.name === type && Number(a.state) === STARTED),
    timeoutMs,
    20,
  );
}
