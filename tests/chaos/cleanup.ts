/**
 * The end of every scenario: each of the user's boxes deleted through the API (spread over the API
 * processes; a box still in a transitional status is asked again until it settles), then checked
 * gone everywhere — no row, no live instance in any emulator, no container. A box that never
 * settles is cancelled through Temporal as an operator would (its workflow tears it down), and
 * reported.
 */
import { eq } from 'drizzle-orm';
import { vibeboxes } from '../../drizzle/schema';
import { workflowIdFor } from '../../workflows/definitions';
import type { ChaosEnvironment, ChaosUser } from './environment';
import { sleep } from './faults';
import { containersOf, instancesOf, LIVE } from './inventory';

export interface CleanupReport {
  boxes: number;
  ms: number;
  problems: string[];
}

const rowsOf = (env: ChaosEnvironment, userId: string) =>
  env.database.db.select({ id: vibeboxes.id, status: vibeboxes.status }).from(vibeboxes).where(eq(vibeboxes.userId, userId));

/** Polls `check` until it returns nothing (done) or the deadline passes; returns what is left. */
async function until<T>(check: () => Promise<T[]>, deadline: number): Promise<T[]> {
  for (;;) {
    const left = await check().catch(() => undefined);
    if (left && (!left.length || Date.now() > deadline)) return left;
    if (!left && Date.now() > deadline) throw new Error('could not read the state to check');
    await sleep(2_000);
  }
}

/** DELETE through the API, asked again on 409 (still transitional) and 5xx until `deadline`. */
async function deleteBox(env: ChaosEnvironment, user: ChaosUser, id: string, api: number, deadline: number): Promise<string | undefined> {
  for (;;) {
    const res = await env.call(api, user.token, 'DELETE', `/api/vibeboxes/${id}`);
    if (res.status === 202 || res.status === 404) return undefined;
    if (Date.now() > deadline) return `DELETE ${id} still answered ${res.status || res.error}: ${JSON.stringify(res.body?.error?.message ?? '')}`;
    await sleep(3_000);
  }
}

export async function deleteEverything(env: ChaosEnvironment, user: ChaosUser, timeoutMs: number): Promise<CleanupReport> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const problems: string[] = [];
  const boxes = await rowsOf(env, user.userId);
  const refused = await Promise.all(boxes.map((b, i) => deleteBox(env, user, b.id, i % env.cluster.apis.length, deadline)));
  problems.push(...refused.filter((p): p is string => p !== undefined));

  let left = await until(() => rowsOf(env, user.userId), deadline);
  if (left.length) {
    problems.push(`cleanup: ${left.length} box(es) not deleted through the API: ${left.map((b) => `${b.id} (${b.status})`).join(', ')}; cancelling their workflows`);
    await Promise.all(left.map((b) => env.temporal.workflow.getHandle(workflowIdFor(b.id)).cancel().catch(() => undefined)));
    left = await until(() => rowsOf(env, user.userId), Date.now() + 5 * 60_000);
    if (left.length) problems.push(`cleanup: ${left.length} box(es) still there after cancelling`);
  }
  const settleBy = Date.now() + 2 * 60_000;
  const instances = await until(async () => (await instancesOf(env, user.userId)).filter(LIVE), settleBy);
  for (const i of instances) problems.push(`cleanup: ${i.cloud}/${i.id} of box ${i.vibeboxId} is still ${i.state} after its box was deleted`);
  const containers = await until(() => containersOf(user.userId), settleBy);
  for (const c of containers) problems.push(`cleanup: container ${c.id.slice(0, 12)} of box ${c.vibeboxId} is still there (${c.state})`);
  return { boxes: boxes.length, ms: Date.now() - started, problems };
}
