/**
 * BaseProvider: what every provider shares — config validation against its zod schema, a
 * bounded-backoff `waitForStatus`, structured logging with a request id per call, and one audit
 * record per provider call handed to an observer (the activity layer writes it to Postgres;
 * providers never touch the database).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createLogger, Logger } from '../lib/logger';
import type { ProviderAction } from './calls';
import { redactSettings } from './configSchema';
import { ProviderError, isProviderError } from './errors';
import {
  CreateOptions,
  HealthResult,
  IResourceProvider,
  Placement,
  ProviderConfig,
  ProviderType,
  ResourceFilter,
  ResourceInfo,
  ResourceSpec,
  ResourceStatus,
  WaitOptions,
} from './types';

/** One provider API call, as the audit log records it. Holds no secrets by construction. */
export interface ProviderCallRecord {
  provider: ProviderType;
  action: string;
  resourceId?: string;
  /** Our id for the call, in every log line it produced. */
  traceId: string;
  /** The cloud's request id, when it gave one. */
  providerRequestId?: string;
  outcome: 'ok' | 'error';
  errorKind?: string;
  errorCode?: string;
  durationMs: number;
}
export type ProviderCallObserver = (record: ProviderCallRecord) => void;

/** What a tracked call can report back about itself while it runs. */
export interface CallContext {
  traceId: string;
  providerRequestId?: string;
  resourceId?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Flattens the seed's ProviderConfig into one settings object for the provider's schema. */
export function flattenConfig(config: ProviderConfig): Record<string, unknown> {
  return {
    ...(config.credentials ?? {}),
    ...(config.region !== undefined ? { region: config.region } : {}),
    ...(config.options ?? {}),
  };
}

export abstract class BaseProvider<TSchema extends z.ZodObject = z.ZodObject> implements IResourceProvider {
  abstract readonly type: ProviderType;
  abstract readonly name: string;
  /** The provider's settings schema; secret fields marked with `secret()`. */
  protected abstract readonly configSchema: TSchema;

  private parsedSettings?: z.infer<TSchema>;
  private observers: ProviderCallObserver[] = [];
  private baseLog?: Logger;

  protected get log(): Logger {
    this.baseLog ??= createLogger(this.name);
    return this.baseLog;
  }

  /** Validated settings; throws if used before initialize(). */
  protected get settings(): z.infer<TSchema> {
    if (!this.parsedSettings) throw new Error(`${this.name} used before initialize()`);
    return this.parsedSettings;
  }

  async initialize(config: ProviderConfig): Promise<void> {
    this.parsedSettings = this.validateConfig(config);
    await this.setupClient(this.parsedSettings);
    this.log.info('initialized', { settings: redactSettings(this.configSchema, this.parsedSettings) });
  }

  /** Seed step: validate config. Throws ProviderError(InvalidRequest) naming the bad fields. */
  validateConfig(config: ProviderConfig): z.infer<TSchema> {
    const result = this.configSchema.safeParse(flattenConfig(config));
    if (!result.success) {
      const fields = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new ProviderError('InvalidRequest', `${this.name} config invalid — ${fields.join('; ')}`);
    }
    return result.data;
  }

  /** Seed step: build the cloud client from validated settings. */
  protected abstract setupClient(settings: z.infer<TSchema>): Promise<void>;
  abstract choosePlacement(spec: ResourceSpec): Promise<Placement>;
  abstract createResource(spec: ResourceSpec, opts?: CreateOptions): Promise<ResourceInfo>;
  abstract getResourceInfo(id: string): Promise<ResourceInfo>;
  abstract startResource(id: string): Promise<void>;
  abstract stopResource(id: string, opts?: { force?: boolean }): Promise<void>;
  abstract restartResource(id: string, opts?: { force?: boolean }): Promise<void>;
  abstract deleteResource(id: string, opts?: { force?: boolean }): Promise<void>;
  abstract listResources(filter: ResourceFilter): Promise<ResourceInfo[]>;
  /** Seed step: the provider-specific probe behind healthCheck (e.g. a regions call). */
  protected abstract performHealthCheck(): Promise<void>;

  /** Registers a callback that receives one record per provider call. */
  observeCalls(observer: ProviderCallObserver): () => void {
    this.observers.push(observer);
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  /** The probe's own cloud call is tracked (and audited) by the adapter, like every other call. */
  async healthCheck(): Promise<boolean> {
    return (await this.checkHealth()).ok;
  }

  /** healthCheck() with the reason a failed probe failed, for the health record an operator reads. */
  async checkHealth(): Promise<HealthResult> {
    try {
      await this.performHealthCheck();
      return { ok: true };
    } catch (err) {
      this.log.warn('health check failed', { error: err });
      const kind = err instanceof ProviderError ? `${err.kind}: ` : '';
      return { ok: false, reason: kind + (err instanceof Error ? err.message : String(err)) };
    }
  }

  /**
   * Polls until the resource reaches `target`, backing off from initialIntervalMs to
   * maxIntervalMs. DELETED is reached when the resource is gone (NotFound). ERROR while waiting
   * for anything else fails fast instead of waiting out the timeout.
   */
  async waitForStatus(id: string, target: ResourceStatus, opts: WaitOptions): Promise<ResourceInfo | undefined> {
    const { timeoutMs, initialIntervalMs, maxIntervalMs } = opts;
    const started = Date.now();
    const deadline = started + timeoutMs;
    let interval = initialIntervalMs;
    let last: ResourceInfo | undefined;
    for (;;) {
      try {
        last = await this.getResourceInfo(id);
      } catch (err) {
        const notFound = isProviderError(err) && err.kind === 'NotFound';
        if (notFound && target === ResourceStatus.DELETED) {
          opts.onPoll?.(undefined);
          return undefined;
        }
        // Not listed yet, just after its create: keep polling while the grace lasts.
        const notVisibleYet = notFound && Date.now() - started < (opts.notFoundGraceMs ?? 0);
        // A throttled or transient poll is not a verdict on the resource either.
        if (!notVisibleYet && !(isProviderError(err) && err.retryable)) throw err;
        if (notVisibleYet) last = undefined;
      }
      opts.onPoll?.(last);
      if (last?.status === target) return last;
      if (last?.status === ResourceStatus.ERROR && target !== ResourceStatus.ERROR) {
        throw new ProviderError('InvalidState', `${this.name}: ${id} entered ERROR while waiting for ${target}`);
      }
      if (Date.now() + interval > deadline) {
        throw new ProviderError(
          'Transient',
          `${this.name}: ${id} not ${target} after ${timeoutMs} ms (last status ${last?.status ?? 'unknown'})`,
          { code: 'WaitTimeout' },
        );
      }
      await sleep(interval);
      interval = Math.min(interval * 2, maxIntervalMs);
    }
  }

  /**
   * "Already in the target state is success" (seed: stop of a stopped box, delete of a gone one),
   * once for every provider. Runs `call`; when the cloud refuses it as InvalidState, reads the
   * resource and counts the refusal as success if it already shows one of `target`. A NotFound
   * answer (or a resource gone by the time we look) is success when `target` includes DELETED,
   * and otherwise NotFound. With an empty `target` the read only tells a gone resource (NotFound)
   * from a refused one, for clouds whose refusals do not say which it is.
   */
  protected async alreadyThere(action: ProviderAction, id: string, target: readonly ResourceStatus[], call: () => Promise<unknown>): Promise<void> {
    const done = (status: ResourceStatus, refusal: ProviderError) => {
      this.log.info('already in the asked-for state', { action, resourceId: id, status, code: refusal.code, providerRequestId: refusal.requestId });
    };
    try {
      await call();
      return;
    } catch (err) {
      if (!isProviderError(err) || (err.kind !== 'InvalidState' && err.kind !== 'NotFound')) throw err;
      if (err.kind === 'NotFound') {
        if (!target.includes(ResourceStatus.DELETED)) throw err;
        return done(ResourceStatus.DELETED, err);
      }
      let now: ResourceStatus;
      try {
        now = (await this.getResourceInfo(id)).status;
      } catch (readErr) {
        if (isProviderError(readErr) && readErr.kind === 'NotFound' && target.includes(ResourceStatus.DELETED)) return done(ResourceStatus.DELETED, err);
        throw readErr;
      }
      if (!target.includes(now)) throw err;
      return done(now, err);
    }
  }

  /**
   * Runs one provider call with a trace id: logs it, times it, and reports it to observers.
   * Adapters wrap every cloud call in this and set `ctx.providerRequestId` from the response.
   */
  protected async track<T>(action: string, resourceId: string | undefined, fn: (ctx: CallContext) => Promise<T>): Promise<T> {
    const ctx: CallContext = { traceId: randomUUID(), resourceId };
    const log = this.log.child({ traceId: ctx.traceId, action });
    const started = Date.now();
    log.debug('call', { resourceId });
    try {
      const result = await fn(ctx);
      const durationMs = Date.now() - started;
      log.info('ok', { resourceId: ctx.resourceId, providerRequestId: ctx.providerRequestId, durationMs });
      this.report({ action, ctx, outcome: 'ok', durationMs });
      return result;
    } catch (err) {
      const durationMs = Date.now() - started;
      const pe = isProviderError(err) ? err : undefined;
      // Expected answers (gone, busy, wrong state — often turned into success by the adapter) are warnings.
      const level = pe && (pe.kind === 'NotFound' || pe.kind === 'InvalidState' || pe.retryable) ? 'warn' : 'error';
      log[level]('failed', {
        resourceId: ctx.resourceId,
        kind: pe?.kind,
        code: pe?.code,
        providerRequestId: pe?.requestId ?? ctx.providerRequestId,
        message: err instanceof Error ? err.message : String(err),
        durationMs,
      });
      this.report({ action, ctx, outcome: 'error', durationMs, error: pe });
      throw err;
    }
  }

  private report(r: { action: string; ctx: CallContext; outcome: 'ok' | 'error'; durationMs: number; error?: ProviderError }) {
    const record: ProviderCallRecord = {
      provider: this.type,
      action: r.action,
      resourceId: r.ctx.resourceId,
      traceId: r.ctx.traceId,
      providerRequestId: r.error?.requestId ?? r.ctx.providerRequestId,
      outcome: r.outcome,
      errorKind: r.error?.kind,
      errorCode: r.error?.code,
      durationMs: r.durationMs,
    };
    for (const observer of this.observers) {
      try {
        observer(record);
      } catch (err) {
        this.log.warn('call observer threw', { error: err });
      }
    }
  }
}
