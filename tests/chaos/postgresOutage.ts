/**
 * R3: the platform's Postgres down for 30 s mid-flight — SIGKILLed (a crash: on start it runs
 * crash recovery) and started again. Temporal keeps its own Postgres and stays up. While it is
 * down the APIs must answer (an error, not a hang); box requests sent meanwhile must be refused
 * cleanly; once it is back both APIs must serve again, and the in-flight boxes must still settle.
 */
import { Fault, outage, randomWait, since, sleep, unansweredProbes } from './faults';

export interface PostgresOutageOptions {
  firstAt: readonly [number, number];
  /** How long Postgres stays down (the issue's 30 s). */
  downMs: number;
  requestsDuring: number;
  /** How long both APIs may take to serve again once Postgres is back. */
  recoveryMs: number;
}

export function postgresOutage(o: PostgresOutageOptions): Fault {
  return {
    name: 'R3',
    title: "platform's Postgres SIGKILLed mid-flight, started again 30 s later",
    async strike(ctx) {
      const postgres = ctx.env.cluster.postgres;
      if (!postgres) throw new Error('R3 needs the cluster to run its own Postgres (privatePostgresPort)');
      await randomWait(ctx, o.firstAt);
      if (!ctx.progress.inFlight) return { summary: 'no outage (nothing in flight)', events: [], probes: [], problems: [] };
      // Started again after the outage: crash recovery, then ready.
      const { event, probes } = await outage(ctx, postgres, o.downMs, { label: 'R3', requestsDuring: o.requestsDuring });

      // Both APIs serve again: their pools drop the dead connections and reconnect.
      const problems = unansweredProbes(probes);
      const back = await Promise.all(
        ctx.env.cluster.apis.map(async (_, api) => {
          const deadline = Date.now() + o.recoveryMs;
          for (;;) {
            const at = since(ctx);
            const res = await ctx.env.call(api, ctx.user.token, 'GET', '/api/vibeboxes', undefined, 20_000);
            probes.push({ at, api, what: 'postgres back', status: res.status, ms: res.ms, error: res.error });
            if (res.status === 200) return at - event.backAt;
            if (Date.now() > deadline) {
              problems.push(`API ${api + 1} did not serve GET /api/vibeboxes within ${o.recoveryMs / 1000} s of Postgres coming back (last: ${res.status || res.error})`);
              return undefined;
            }
            await sleep(1_000);
          }
        }),
      );
      const served = back.filter((ms): ms is number => ms !== undefined);
      event.note = `down ${((event.backAt - event.at) / 1000).toFixed(0)} s${served.length ? `; APIs served again ${(Math.max(...served) / 1000).toFixed(1)} s after` : ''}`;
      return { summary: `SIGKILL at ${(event.at / 1000).toFixed(0)} s, ${event.note}`, events: [event], probes, problems };
    },
  };
}
