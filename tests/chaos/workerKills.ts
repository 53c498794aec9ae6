/**
 * R1: workers SIGKILLed at random points while boxes are in flight, each started again after a
 * random pause (in the background: the next kill may come while it is still down, so at times no
 * worker runs at all). The first kills can be aimed at a step — the worker running some box's
 * `waitForStatus`, then some box's `configureHappy` — so those steps are surely interrupted; the
 * rest strike whichever worker is running, at random. Before each kill the steps the victim was
 * running are recorded, so the harness can check afterwards that each ran again on a live worker.
 */
import os from 'node:os';
import type { ManagedProcess } from '../../scripts/cluster/process';
import { workflowIdFor } from '../../workflows/definitions';
import { Fault, FaultContext, FaultEvent, randomWait, since, sleep } from './faults';

export interface WorkerKillOptions {
  kills: number;
  /** Activity types the first kills aim at, in order (a kill whose target never shows is a random one). */
  aimAt: readonly string[];
  /** Wait before the first kill, and between kills (ms). */
  firstAt: readonly [number, number];
  gap: readonly [number, number];
  /** How long a killed worker stays down before it is started again (ms). */
  down: readonly [number, number];
}

/** A step that was running on a worker when it was killed. */
export interface InterruptedStep {
  boxId: string;
  activityType: string;
  activityId: string;
  /** The killed worker's identity, `<pid>@<host>`: the SDK's default, as Temporal records it. */
  identity: string;
}

/** PENDING_ACTIVITY_STATE_STARTED (the enum lives in @temporalio/proto, not a dependency of ours). */
const STARTED = 2;

const identityOf = (pid: number) => `${pid}@${os.hostname()}`;

/** The started steps of the given boxes, with the worker that runs each. */
async function runningSteps(ctx: FaultContext, boxIds: string[]): Promise<InterruptedStep[]> {
  const steps: InterruptedStep[] = [];
  // A few describes at a time: the server is busy enough.
  for (let i = 0; i < boxIds.length; i += 10) {
    await Promise.all(
      boxIds.slice(i, i + 10).map(async (boxId) => {
        try {
          const { raw } = await ctx.env.temporal.workflow.getHandle(workflowIdFor(boxId)).describe();
          for (const a of raw.pendingActivities ?? []) {
            if (Number(a.state) !== STARTED || !a.lastWorkerIdentity) continue;
            steps.push({ boxId, activityType: a.activityType?.name ?? '?', activityId: a.activityId ?? '?', identity: a.lastWorkerIdentity });
          }
        } catch {
          /* not started yet, or Temporal busy: nothing to record */
        }
      }),
    );
  }
  return steps;
}

/** A running worker that runs a started `activityType` step, polling for one up to `withinMs`. */
async function workerRunning(ctx: FaultContext, activityType: string, withinMs: number): Promise<ManagedProcess | undefined> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline && ctx.progress.inFlight) {
    const steps = await runningSteps(ctx, ctx.rng.shuffled(ctx.progress.unsettled()));
    for (const s of ctx.rng.shuffled(steps.filter((x) => x.activityType === activityType))) {
      const w = ctx.env.cluster.workers.find((m) => m.pid !== undefined && identityOf(m.pid) === s.identity);
      if (w) return w;
    }
    await sleep(500);
  }
  return undefined;
}

export function workerKills(o: WorkerKillOptions): Fault & { interrupted: InterruptedStep[] } {
  const interrupted: InterruptedStep[] = [];
  return {
    name: 'R1',
    title: 'worker SIGKILLed at random points, then restarted',
    interrupted,
    async strike(ctx) {
      const events: FaultEvent[] = [];
      const restarts: Array<Promise<void>> = [];
      // A worker being started again is no victim until it is ready: killing it then would only
      // fail its start (a kill during start-up is a different test).
      const restarting = new Set<ManagedProcess>();
      for (let k = 0; k < o.kills; k++) {
        await randomWait(ctx, k === 0 ? o.firstAt : o.gap);
        if (!ctx.progress.inFlight) break;
        const aim = o.aimAt[k];
        const aimed = aim ? await workerRunning(ctx, aim, 4 * 60_000) : undefined;
        const running = ctx.env.cluster.workers.filter((w) => w.isRunning() && !restarting.has(w));
        const victim = aimed && !restarting.has(aimed) ? aimed : running.length ? ctx.rng.pick(running) : undefined;
        if (!victim || !ctx.progress.inFlight) continue;
        const pid = victim.pid!;
        const steps = (await runningSteps(ctx, ctx.progress.unsettled())).filter((s) => s.identity === identityOf(pid));
        const event: FaultEvent = {
          target: victim.name,
          at: since(ctx),
          inFlight: ctx.progress.unsettled().length,
          note: `${aimed ? `aimed at ${aim}; ` : ''}running ${steps.map((s) => s.activityType).join(', ') || 'no step'}`,
        };
        await victim.kill();
        interrupted.push(...steps);
        events.push(event);
        restarting.add(victim);
        restarts.push(
          (async () => {
            await randomWait(ctx, o.down);
            await victim.start();
            event.backAt = since(ctx);
            restarting.delete(victim);
          })(),
        );
      }
      await Promise.all(restarts);
      return { summary: `${events.length} SIGKILLs (${events.map((e) => `${e.target} at ${(e.at / 1000).toFixed(0)} s`).join(', ')})`, events, probes: [], problems: [] };
    },
  };
}
