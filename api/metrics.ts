/**
 * The API's metrics (Prometheus, GET /metrics): requests by method, route and status with their
 * duration; boxes accepted for creation by plan and requested provider and region; live status
 * streams open. The lifecycle itself is counted by the worker, where it happens.
 */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createRegistry } from '../lib/metrics';

export function createApiMetrics(registry: Registry = createRegistry('api')) {
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'vibebox_api_requests_total', help: 'API requests by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers }),
    requestSeconds: new Histogram({
      name: 'vibebox_api_request_seconds',
      help: 'API request duration (a live status stream counts until it ends)',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers,
    }),
    creates: new Counter({
      name: 'vibebox_boxes_created_total',
      help: 'Boxes accepted for creation, by plan and requested provider and region (automatic when not asked)',
      labelNames: ['plan', 'provider', 'region'] as const,
      registers,
    }),
    streams: new Gauge({ name: 'vibebox_event_streams_open', help: 'Live status streams open on this API process', registers }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/**
 * Names where a router is mounted, as a pattern: req.baseUrl holds the ids of a parametrised
 * mount (labels must not), and Express has reset it by the time an error reaches the app.
 */
export const mountedAt =
  (pattern: string): RequestHandler =>
  (_req, res, next) => {
    res.locals.mount = pattern;
    next();
  };

/** Counts each request once answered, under its route pattern (never the raw path: ids would explode the labels). */
export function countRequests(metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.requestSeconds.startTimer();
    res.once('finish', () => {
      const route = req.route?.path ? `${(res.locals.mount as string | undefined) ?? ''}${req.route.path as string}` : 'unmatched';
      stop({ method: req.method, route });
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
