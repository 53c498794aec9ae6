/**
 * The worker's own metrics (Prometheus, through prom-client): every provider call by provider,
 * region, action, outcome and failure kind; every activity by type, outcome and failure kind with
 * its duration (the lifecycle steps: createResource, waitForStatus, configureHappy, …); and each
 * status a box's workflow records, by provider and region. The Temporal SDK's own runtime metrics
 * (task slots, poll latency, workflow task times) come from its exporter and are appended by the
 * worker (worker.ts). Labels are bounded sets: never a box id, a user or a message.
 */
import type { ActivityInboundCallsInterceptor, ActivityExecuteInput, Next } from '@temporalio/worker';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { newRegistry } from '../lib/metrics';
import type { ProviderPool } from '../providers/pool';
import type { VibeBoxStatus } from '../workflows/definitions';

/** Seconds: from a fast cloud call to a full Happy install on a busy host. */
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export class WorkerMetrics {
  readonly registry: Registry;
  private readonly providerCalls: Counter<'provider' | 'region' | 'action' | 'outcome' | 'kind'>;
  private readonly providerCallSeconds: Histogram<'provider' | 'action' | 'outcome'>;
  private readonly activities: Counter<'activity' | 'task_queue' | 'outcome' | 'kind'>;
  private readonly activitySeconds: Histogram<'activity' | 'outcome'>;
  private readonly statuses: Counter<'provider' | 'region' | 'status'>;

  constructor() {
    this.registry = newRegistry('vibebox_worker_');
    const registers = [this.registry];
    this.providerCalls = new Counter({
      name: 'vibebox_provider_calls_total',
      help: 'Provider API calls, by provider, region, action, outcome (ok/error) and failure kind',
      labelNames: ['provider', 'region', 'action', 'outcome', 'kind'],
      registers,
    });
    this.providerCallSeconds = new Histogram({
      name: 'vibebox_provider_call_duration_seconds',
      help: 'Time per provider API call',
      labelNames: ['provider', 'action', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.activities = new Counter({
      name: 'vibebox_activities_total',
      help: 'Activity executions (lifecycle steps), by activity, task queue, outcome (ok/failed/cancelled) and failure kind',
      labelNames: ['activity', 'task_queue', 'outcome', 'kind'],
      registers,
    });
    this.activitySeconds = new Histogram({
      name: 'vibebox_activity_duration_seconds',
      help: 'Time per activity execution (one lifecycle step attempt)',
      labelNames: ['activity', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.statuses = new Counter({
      name: 'vibebox_box_status_recorded_total',
      help: 'Statuses recorded by boxes’ workflows (each projection write), by provider, region and status',
      labelNames: ['provider', 'region', 'status'],
      registers,
    });
  }

  /** Counts every call the pool's providers make (the same records the audit log keeps). */
  observeProviders(providers: ProviderPool): void {
    providers.onCall((r) => {
      this.providerCalls.inc({ provider: r.provider, region: r.region, action: r.action, outcome: r.outcome, kind: r.errorKind ?? '' });
      this.providerCallSeconds.observe({ provider: r.provider, action: r.action, outcome: r.outcome }, r.durationMs / 1000);
    });
  }

  statusRecorded(status: VibeBoxStatus, providerType: string | undefined, region: string | undefined): void {
    this.statuses.inc({ provider: providerType ?? '', region: region ?? '', status });
  }

  /** The worker's activity interceptor factory: times and counts every activity it runs. */
  readonly activityInterceptor = (ctx: Context): { inbound: ActivityInboundCallsInterceptor } => ({
    inbound: {
      execute: async (input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) => {
        const activity = ctx.info.activityType;
        const started = performance.now();
        let outcome = 'ok';
        let kind = '';
        try {
          return await next(input);
        } catch (err) {
          outcome = err instanceof CancelledFailure ? 'cancelled' : 'failed';
          kind = err instanceof ApplicationFailure ? (err.type ?? '') : '';
          throw err;
        } finally {
          this.activities.inc({ activity, task_queue: ctx.info.taskQueue, outcome, kind });
          this.activitySeconds.observe({ activity, outcome }, (performance.now() - started) / 1000);
        }
      },
    },
  });
}
