/**
 * What every chaos fault shares: the context it strikes in (the cluster, the scenario's user and
 * progress, a seeded random source), the report it hands back, and the moves several faults make —
 * waiting a random while, sending box requests in the middle of an outage, probing the APIs.
 */
import type { ManagedProcess } from '../../scripts/cluster/process';
import type { ChaosEnvironment, ChaosUser } from './environment';
import type { BoxRequest } from './load';
import type { Progress } from './progress';
import type { Random } from './random';

export interface FaultContext {
  env: ChaosEnvironment;
  user: ChaosUser;
  progress: Progress;
  rng: Random;
  /** The scenario's start (Date.now()). */
  t0: number;
  /** Box requests sent during an outage join the scenario's requests through this. */
  addRequests(count: number, phase: string): Promise<BoxRequest[]>;
}

/** One process the fault struck: which, when (ms since t0), and for how long it was down. */
export interface FaultEvent {
  target: string;
  at: number;
  /** ms since t0 when it served again; undefined if it never came back. */
  backAt?: number;
  /** Boxes not yet settled when it struck. */
  inFlight: number;
  note?: string;
}

/** An API call made while a dependency was down: it must be answered, not hang or be cut. */
export interface Probe {
  at: number;
  api: number;
  what: string;
  status: number;
  ms: number;
  error?: string;
}

export interface FaultReport {
  /** One line for the table, e.g. "3 SIGKILLs" or "down 30 s at 24 s". */
  summary: string;
  events: FaultEvent[];
  probes: Probe[];
  /** What the fault itself saw go wrong (e.g. an API that did not answer during the outage). */
  problems: string[];
}

export interface Fault {
  name: string;
  title: string;
  strike(ctx: FaultContext): Promise<FaultReport>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A random wait in [min, max] ms. */
export const randomWait = (ctx: FaultContext, [min, max]: readonly [number, number]) => sleep(ctx.rng.between(min, max));

export const since = (ctx: FaultContext) => Date.now() - ctx.t0;

/**
 * Until `until()` says stop: every `everyMs`, GET the box list through each API and record the
 * answer. A dependency being down must give a clear error quickly, not a hang or a cut connection.
 */
export async function probeApis(ctx: FaultContext, what: string, until: () => boolean, everyMs = 2_000, timeoutMs = 20_000): Promise<Probe[]> {
  const probes: Probe[] = [];
  while (!until()) {
    const round = ctx.env.cluster.apis.map(async (_, api) => {
      const at = since(ctx);
      const res = await ctx.env.call(api, ctx.user.token, 'GET', '/api/vibeboxes', undefined, timeoutMs);
      probes.push({ at, api, what, status: res.status, ms: res.ms, error: res.error });
    });
    await Promise.all([...round, sleep(everyMs)]);
  }
  return probes;
}

/** Problems with probes: a probe that got no answer (hang, reset, refused connection). */
export function unansweredProbes(probes: Probe[]): string[] {
  return probes
    .filter((p) => p.status === 0)
    .map((p) => `${p.what}: API ${p.api + 1} gave no answer to GET /api/vibeboxes at ${(p.at / 1000).toFixed(1)} s (${p.error}, after ${p.ms} ms)`);
}

/** Starts every cluster member that is down (a fault's victim), each waiting until ready. */
export async function restoreAll(env: ChaosEnvironment): Promise<void> {
  for (const m of env.cluster.members) if (!m.isRunning()) await m.start();
}

/**
 * One outage of a service: SIGKILL `victim`, keep it down `downMs` while probing the APIs and
 * sending `requestsDuring` box requests half-way, then start it again (waiting until it is ready).
 * Returns once the requests sent during the outage have their answers too.
 */
export async function outage(
  ctx: FaultContext,
  victim: ManagedProcess,
  downMs: number,
  o: { label: string; requestsDuring: number },
): Promise<{ event: FaultEvent & { backAt: number }; probes: Probe[] }> {
  const event: FaultEvent = { target: victim.name, at: since(ctx), inFlight: ctx.progress.unsettled().length };
  await victim.kill();
  let probing = true;
  const probed = probeApis(ctx, `${victim.name} down`, () => !probing);
  const requested = sleep(downMs / 2).then(() => ctx.addRequests(o.requestsDuring, `${o.label} outage`));
  await sleep(downMs);
  probing = false;
  const probes = await probed;
  await victim.start();
  const back = { ...event, backAt: since(ctx) };
  // Requests sent during the outage may have waited for the service: their answers come in now.
  await requested;
  return { event: back, probes };
}
