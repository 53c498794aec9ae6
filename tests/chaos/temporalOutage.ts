/**
 * R2: the Temporal server SIGKILLed mid-flight and started again after a while. The cluster's
 * server keeps everything in Postgres (its own instance), so a kill loses nothing the server had
 * acknowledged; what is tested is that workers, APIs and in-flight boxes ride through it. Box
 * requests sent while it is down must be refused cleanly (no box half made), and the APIs must
 * answer meanwhile.
 */
import { Fault, FaultEvent, outage, Probe, randomWait, unansweredProbes } from './faults';

export interface TemporalOutageOptions {
  outages: number;
  firstAt: readonly [number, number];
  gap: readonly [number, number];
  down: readonly [number, number];
  /** Box requests sent in the middle of each outage. */
  requestsDuring: number;
}

export function temporalOutage(o: TemporalOutageOptions): Fault {
  return {
    name: 'R2',
    title: 'Temporal server SIGKILLed mid-flight, then started again',
    async strike(ctx) {
      const events: FaultEvent[] = [];
      const probes: Probe[] = [];
      const temporal = ctx.env.cluster.temporal;
      for (let k = 0; k < o.outages; k++) {
        await randomWait(ctx, k === 0 ? o.firstAt : o.gap);
        if (!ctx.progress.inFlight) break;
        const { event, probes: during } = await outage(ctx, temporal, ctx.rng.between(o.down[0], o.down[1]), { label: 'R2', requestsDuring: o.requestsDuring });
        event.note = `down ${((event.backAt - event.at) / 1000).toFixed(0)} s`;
        events.push(event);
        probes.push(...during);
      }
      return {
        summary: events.map((e) => `SIGKILL at ${(e.at / 1000).toFixed(0)} s, ${e.note}`).join('; ') || 'no outage (nothing in flight)',
        events,
        probes,
        // The API reads Postgres only: listing boxes must keep working while Temporal is down.
        problems: [
          ...unansweredProbes(probes),
          ...probes.filter((p) => p.status !== 0 && p.status !== 200).map((p) => `Temporal down: API ${p.api + 1} answered GET /api/vibeboxes with ${p.status} at ${(p.at / 1000).toFixed(1)} s`),
        ],
      };
    },
  };
}
