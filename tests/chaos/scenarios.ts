/**
 * The chaos scenarios by name — R0 (no fault: the baseline for time to converge), R1 (worker
 * SIGKILLs), R2 (Temporal server killed and restarted), R3 (the platform's Postgres down 30 s) —
 * built for a plan: how many kills and outages, and the window after the first request in which
 * faults strike (boxes must still be in flight then: the first requests' create wait and Happy
 * setup last about that long).
 */
import type { Fault } from './faults';
import { postgresOutage } from './postgresOutage';
import { temporalOutage } from './temporalOutage';
import { workerKills } from './workerKills';

export const SCENARIO_NAMES = ['R0', 'R1', 'R2', 'R3'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ChaosPlan {
  /** R1: worker kills; the first two aim at a running waitForStatus, then a running configureHappy. */
  kills: number;
  /** R2: Temporal outages. */
  temporalOutages: number;
  /** R2, R3: box requests sent in the middle of each outage. */
  requestsDuringOutage: number;
  /** Faults strike within this many ms of the first request. */
  strikeWindowMs: number;
}

const noFault: Fault = {
  name: 'R0',
  title: 'no fault (baseline)',
  strike: async () => ({ summary: 'none', events: [], probes: [], problems: [] }),
};

export function chaosScenario(name: ScenarioName, plan: ChaosPlan): Fault {
  const w = plan.strikeWindowMs;
  switch (name) {
    case 'R0':
      return noFault;
    case 'R1':
      return workerKills({ kills: plan.kills, aimAt: ['waitForStatus', 'configureHappy'], firstAt: [3_000, 10_000], gap: [5_000, w / 2], down: [2_000, 15_000] });
    case 'R2':
      return temporalOutage({ outages: plan.temporalOutages, firstAt: [5_000, w], gap: [20_000, w], down: [5_000, 15_000], requestsDuring: plan.requestsDuringOutage });
    case 'R3':
      return postgresOutage({ firstAt: [5_000, w], downMs: 30_000, requestsDuring: plan.requestsDuringOutage, recoveryMs: 60_000 });
  }
}
