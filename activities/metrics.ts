/**
 * The worker's lifecycle metrics (Prometheus, served by worker.ts): every provider call by
 * provider, region, action, outcome and failure kind, with its duration; every status change of a
 * box by provider, region, plan and failure kind; and how long each step took. Counted where the
 * facts arrive — the audit hook for calls, the projection activity for state changes — so the
 * workflow stays free of I/O.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { FAILURE_KINDS } from '../providers/calls';

/** Steps last from under a second (a projection write) to many minutes (the Happy install). */
const STEP_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200];
const CALL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createWorkerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    providerCalls: new Counter({
      name: 'vibebox_provider_calls_total',
      help: 'Provider API calls, by provider, region, action, outcome and failure kind',
      labelNames: ['provider', 'region', 'action', 'outcome', 'failure_kind'] as const,
      registers,
    }),
    providerCallSeconds: new Histogram({
      name: 'vibebox_provider_call_seconds',
      help: 'Duration of provider API calls',
      labelNames: ['provider', 'region', 'action', 'outcome'] as const,
      buckets: CALL_BUCKETS,
      registers,
    }),
    statusChanges: new Counter({
      name: 'vibebox_status_changes_total',
      help: 'Box status changes (e.g. provisioning → active is a provision that succeeded), by provider, region, plan and failure kind',
      labelNames: ['from', 'to', 'provider', 'region', 'plan', 'failure_kind'] as const,
      registers,
    }),
    stepSeconds: new Histogram({
      name: 'vibebox_step_seconds',
      help: 'How long each lifecycle step took (selecting, creating, booting, installing-happy, stopping, …)',
      labelNames: ['step', 'provider', 'region', 'plan'] as const,
      buckets: STEP_BUCKETS,
      registers,
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** The failure kind a box's lastError starts with (`InsufficientStock: …`); `operation` for an operation's own words. */
export function failureKindOf(lastError: string | undefined): string {
  const prefix = /^(\w+):/.exec(lastError ?? '')?.[1];
  return prefix && (FAILURE_KINDS as readonly string[]).includes(prefix) ? prefix : 'operation';
}
