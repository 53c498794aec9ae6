/**
 * One chaos scenario on a running cluster: a fresh user sends N box requests at once (over both
 * APIs, round-robin over the clouds) while the fault strikes at random points; once every box has
 * settled (or the time is up) every process is back up, the inventory is taken and judged, the
 * steps R1 interrupted are checked for re-runs, and every box is deleted through the API and
 * checked gone.
 */
import { CHAOS_CLOUDS, ChaosEnvironment } from './environment';
import { CleanupReport, deleteEverything } from './cleanup';
import { Fault, FaultContext, FaultReport, restoreAll } from './faults';
import { takeInventory } from './inventory';
import { judge, Verdict } from './invariants';
import { accepted, BoxRequest, requestBoxes } from './load';
import { Progress } from './progress';
import { seededRandom } from './random';
import { checkReruns, RerunReport } from './reruns';
import type { InterruptedStep } from './workerKills';

export interface ScenarioOptions {
  boxes: number;
  clouds?: readonly string[];
  /** How long an emulated instance takes to boot (a real cloud takes tens of seconds). */
  createDelayMs: number;
  /** How long the boxes have to settle, from the scenario's start. */
  convergeTimeoutMs: number;
  cleanupTimeoutMs: number;
  seed: number;
  /** Progress lines (the bench prints them; the test stays quiet). */
  log?: (line: string) => void;
}

export interface ScenarioResult {
  name: string;
  title: string;
  seed: number;
  /** The scenario's own user: every box, row, instance and container of the scenario carries it. */
  userId: string;
  fault: FaultReport;
  requests: BoxRequest[];
  verdict: Verdict;
  /** ms from the first request until every box had settled; undefined if they did not in time. */
  timeToConvergeMs: number | undefined;
  reruns: RerunReport | undefined;
  cleanup: CleanupReport;
  /** Everything that went wrong, from the fault, the invariants, the re-run check and the cleanup. */
  problems: string[];
}

type WithInterrupted = Fault & { interrupted?: InterruptedStep[] };

export async function runScenario(env: ChaosEnvironment, fault: WithInterrupted, o: ScenarioOptions): Promise<ScenarioResult> {
  const log = o.log ?? (() => undefined);
  const user = await env.newUser();
  await Promise.all(env.clouds.map((c) => c.control.setDelays({ create: o.createDelayMs })));
  const t0 = Date.now();
  const progress = new Progress(env, user.userId, t0);
  const requests: BoxRequest[] = [];
  let nextSeq = 0;
  const addRequests = async (count: number, phase: string) => {
    const firstSeq = nextSeq;
    nextSeq += count;
    const sent = await requestBoxes(env, user, { count, clouds: o.clouds ?? CHAOS_CLOUDS, firstSeq, t0, phase });
    requests.push(...sent);
    return sent;
  };
  const ctx: FaultContext = { env, user, progress, rng: seededRandom(o.seed), t0, addRequests };

  const load = addRequests(o.boxes, 'load').then(() => progress.markLoadDone());
  const ticker = setInterval(() => log(`${fault.name}: ${Math.round((Date.now() - t0) / 1000)} s, ${progress.unsettled().length} of ${requests.length} boxes in flight`), 15_000);
  const watching = progress.watch(o.convergeTimeoutMs);
  const problems: string[] = [];
  let report: FaultReport;
  try {
    report = await fault.strike(ctx);
  } catch (err) {
    report = { summary: `fault failed: ${(err as Error).message.split('\n')[0]}`, events: [], probes: [], problems: [] };
    problems.push(`${fault.name}: the fault itself failed: ${(err as Error).message}`);
  }
  await restoreAll(env);
  await load;
  await watching.done;
  // Requests sent during an outage may have added boxes after the first convergence: watch again.
  await progress.watch(o.convergeTimeoutMs).done;
  clearInterval(ticker);
  log(`${fault.name}: ${progress.converged ? `converged at ${((progress.convergedAt ?? 0) / 1000).toFixed(0)} s` : 'did not converge'}; judging`);

  const inventory = await takeInventory(env, user.userId, requests.filter(accepted).map((r) => r.id));
  const verdict = judge(requests, inventory);
  const rows = new Map(inventory.rows.map((r) => [r.id, r]));
  const reruns = fault.interrupted ? await checkReruns(env, fault.interrupted, (id) => rows.get(id)?.status === 'error') : undefined;
  log(`${fault.name}: deleting ${inventory.rows.length} boxes`);
  const cleanup = await deleteEverything(env, user, o.cleanupTimeoutMs);
  problems.push(...report.problems, ...verdict.problems, ...(reruns?.problems ?? []), ...cleanup.problems);
  return {
    name: fault.name,
    title: fault.title,
    seed: o.seed,
    userId: user.userId,
    fault: report,
    requests,
    verdict,
    timeToConvergeMs: progress.converged ? progress.convergedAt : undefined,
    reruns,
    cleanup,
    problems,
  };
}
