/**
 * R2: the Temporal server SIGKILLed mid-flight and started again after a while. The cluster's
 * server keeps everything in Postgres (its own instance), so a kill loses nothing the server had
 * acknowledged; what is tested is that workers, APIs and in-flight boxes ride through it. Box
 * requests sent while it is down must be refused cleanly (no box half made), and the APIs must
 * answer meanwhile.
 */
import { Fault, FaultEvent, Probe, probeApis, randomWait, since, sleep, unansweredProbes } from './faults';

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
      const temporal = ctx.env.cluster.temporal;
      const events: FaultEvent[] = [];
      const probes: Probe[] = [];
      for (let k = 0; k < o.outages; k++) {
        await randomWait(ctx, k === 0 ? o.firstAt : o.gap);
        if (!ctx.progress.inFlight) break;
        const event: FaultEvent = { target: temporal.name, at: since(ctx), inFlight: ctx.progress.unsettled().length };
        await temporal.kill();
        events.push(event);
        const downMs = ctx.rng.between(o.down[0], o.down[1]);
        let probing = true;
        const probed = probeApis(ctx, 'Temporal down', () => !probing);
        const requested = sleep(downMs / 2).then(() => ctx.addRequests(o.requestsDuring, 'R2 outage'));
        await sleep(downMs);
        probing = false;
        probes.push(...(await probed));
        await temporal.start();
        event.backAt = since(ctx);
        event.note = `down ${((event.backAt - event.at) / 1000).toFixed(0)} s`;
        // Requests sent during the outage may wait for the server: their answers come in now.
        await requested;
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
