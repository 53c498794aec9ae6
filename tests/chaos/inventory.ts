/**
 * Everything a scenario's user has, as each part of the system sees it, taken once the scenario
 * has settled: the emulators' instances tagged with the user (every state), the Docker containers
 * labelled with the user, the `vibeboxes` rows, and each box's workflow (its execution status and,
 * when it runs, its state query). Temporal's visibility listing by UserId also names workflows
 * that have no row — a request that was refused but left a workflow behind.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import Docker from 'dockerode';
import { eq } from 'drizzle-orm';
import { vibeboxes, VibeBoxRow } from '../../drizzle/schema';
import { stateQuery, VibeBoxState, workflowIdFor } from '../../workflows/definitions';
import type { ChaosEnvironment } from './environment';
import { sleep } from './faults';

export interface InstanceView {
  cloud: string;
  id: string;
  state: string;
  vibeboxId: string | undefined;
  /** The container behind it, when Docker-backed. */
  backingId: string | undefined;
}

export interface WorkflowView {
  /** RUNNING, COMPLETED, FAILED, TERMINATED, … or NOT_FOUND. */
  status: string;
  state?: VibeBoxState;
}

export interface ContainerView {
  id: string;
  state: string;
  vibeboxId: string | undefined;
}

export interface Inventory {
  instances: InstanceView[];
  containers: ContainerView[];
  rows: VibeBoxRow[];
  /** By box id: every box any request, row, instance or visibility listing names. */
  workflows: Map<string, WorkflowView>;
}

export const LIVE = (i: InstanceView) => i.state !== 'deleted';

const WORKFLOW_PREFIX = workflowIdFor('');

/** Retries a read a few times: right after a fault the service may still be coming back. */
async function patiently<T>(read: () => Promise<T>, tries = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= tries) throw err;
      await sleep(2_000);
    }
  }
}

export async function instancesOf(env: ChaosEnvironment, userId: string): Promise<InstanceView[]> {
  const perCloud = await Promise.all(
    env.clouds.map(async ({ cloud, control }) =>
      (await control.listInstances())
        .filter((i) => i.tags.userId === userId)
        .map((i) => ({ cloud, id: i.id, state: i.state, vibeboxId: i.tags.vibeboxId, backingId: i.backing.id })),
    ),
  );
  return perCloud.flat();
}

export async function containersOf(userId: string): Promise<ContainerView[]> {
  const list = await new Docker().listContainers({ all: true, filters: { label: [`userId=${userId}`] } });
  return list.map((c) => ({ id: c.Id, state: c.State, vibeboxId: c.Labels.vibeboxId }));
}

async function workflowOf(env: ChaosEnvironment, boxId: string): Promise<WorkflowView> {
  const handle = env.temporal.workflow.getHandle(workflowIdFor(boxId));
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return { status: status.name };
    return { status: status.name, state: await handle.query(stateQuery) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'NOT_FOUND' };
    throw err;
  }
}

/** Box ids of the user's workflows, as Temporal's visibility store lists them. */
async function listedBoxes(env: ChaosEnvironment, userId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of env.temporal.workflow.list({ query: `UserId = "${userId}"` })) ids.push(w.workflowId.slice(WORKFLOW_PREFIX.length));
  return ids;
}

export async function takeInventory(env: ChaosEnvironment, userId: string, requested: string[]): Promise<Inventory> {
  const [instances, containers, rows, listed] = await Promise.all([
    patiently(() => instancesOf(env, userId)),
    patiently(() => containersOf(userId)),
    patiently(() => env.database.db.select().from(vibeboxes).where(eq(vibeboxes.userId, userId))),
    patiently(() => listedBoxes(env, userId)),
  ]);
  const ids = new Set([...requested, ...rows.map((r) => r.id), ...listed, ...instances.flatMap((i) => (i.vibeboxId ? [i.vibeboxId] : []))]);
  const workflows = new Map<string, WorkflowView>();
  const all = [...ids];
  for (let i = 0; i < all.length; i += 10) {
    await Promise.all(all.slice(i, i + 10).map(async (id) => workflows.set(id, await patiently(() => workflowOf(env, id)))));
  }
  return { instances, containers, rows, workflows };
}
