/**
 * The API's Prometheus metrics: every request by method, route pattern (never the raw path: box
 * ids would make a series per box), status and error code, with its duration; and every create by
 * plan, requested provider and outcome (admitted, replayed by its Idempotency-Key, or the refusal's
 * code — quota_exceeded, rate_limited, unavailable, …). Served at `GET /metrics`.
 */
import type { RequestHandler, Router } from 'express';
import express from 'express';
import { Counter, Histogram, Registry } from 'prom-client';
import { newRegistry } from '../lib/metrics';
import { isProviderType } from '../providers/types';
import { PLANS } from '../workflows/plans';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A bounded label from a client's value: known values pass, anything else is `other`. */
const bounded = (value: unknown, known: (v: string) => boolean): string => (typeof value !== 'string' ? '' : known(value) ? value : 'other');

/**
 * Names a request's path by the OpenAPI path it falls under (`/api/vibeboxes/{id}`), or
 * `unmatched`. Taken from the document rather than from Express's matched route, which an error
 * leaving a router no longer carries — and so the labels are the names the API documents.
 */
export function routeNamer(templates: string[]): (path: string) => string {
  const patterns = templates.map((t) => ({ t, re: new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`) }));
  return (path) => patterns.find((p) => p.re.test(path))?.t ?? 'unmatched';
}

export class ApiMetrics {
  readonly registry: Registry = newRegistry('vibebox_api_');
  private readonly routeOf: (path: string) => string;
  private readonly requests = new Counter({
    name: 'vibebox_api_requests_total',
    help: 'HTTP requests answered, by method, route pattern, status and error code',
    labelNames: ['method', 'route', 'status', 'code'] as const,
    registers: [this.registry],
  });
  private readonly seconds = new Histogram({
    name: 'vibebox_api_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames: ['method', 'route'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly creates = new Counter({
    name: 'vibebox_api_creates_total',
    help: 'VibeBox creates asked for, by plan, requested provider (empty: auto) and outcome (admitted, replayed, or the refusal code)',
    labelNames: ['plan', 'provider', 'outcome'] as const,
    registers: [this.registry],
  });

  /** `routes`: the documented path templates (the OpenAPI document's `paths`). */
  constructor(routes: string[]) {
    this.routeOf = routeNamer(routes);
  }

  /** Counts and times each request once its answer has gone out. */
  readonly middleware: RequestHandler = (req, res, next) => {
    const started = performance.now();
    // Named now: inside a router Express strips its mount path from req.url, and a handler that
    // answers there never gives it back.
    const route = this.routeOf(req.path);
    res.once('finish', () => {
      const code = typeof res.locals.errorCode === 'string' ? res.locals.errorCode : '';
      this.requests.inc({ method: req.method, route, status: String(res.statusCode), code });
      this.seconds.observe({ method: req.method, route }, (performance.now() - started) / 1000);
      if (req.method === 'POST' && route === '/api/vibeboxes') {
        const body = (req.body ?? {}) as { planId?: unknown; providerType?: unknown };
        const outcome = res.statusCode === 202 ? 'admitted' : res.statusCode === 200 ? 'replayed' : code || String(res.statusCode);
        this.creates.inc({ plan: bounded(body.planId, (p) => p in PLANS), provider: bounded(body.providerType, isProviderType), outcome });
      }
    });
    next();
  };

  routes(): Router {
    const router = express.Router();
    router.get('/metrics', (_req, res, next) => {
      this.registry.metrics().then((text) => res.type('text/plain; version=0.0.4; charset=utf-8').send(text), next);
    });
    return router;
  }
}
