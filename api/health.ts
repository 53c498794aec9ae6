/**
 * Health endpoints for whatever runs the API (an orchestrator, a load balancer):
 * - GET /healthz — liveness: the process serves HTTP. It checks no dependency, so an outage of
 *   Postgres or Temporal never gets a healthy API restarted.
 * - GET /readyz — readiness: Postgres answers a query and Temporal answers a call, each within
 *   policies.dependencies.readyCheck. 503 with Retry-After and the failing check otherwise.
 */
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Database } from '../lib/db';
import { policies } from '../workflows/policies';
import { temporalAnswers } from './temporalClient';

interface Check {
  ok: boolean;
  ms: number;
  error?: string;
}

async function timed(deadlineMs: number, probe: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
    });
    await Promise.race([probe(), late]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - started), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: { database: Database; temporal: Client }): Router {
  const router = Router();
  const started = Date.now();

  router.get('/healthz', (_req, res) => {
    res.json({ ok: true, uptimeSeconds: Math.round((Date.now() - started) / 1000) });
  });

  router.get('/readyz', async (_req, res) => {
    const limit = policies.dependencies.readyCheck;
    const [postgres, temporal] = await Promise.all([
      timed(limit, () => deps.database.pool.query('select 1')),
      timed(limit, () => temporalAnswers(deps.temporal, limit)),
    ]);
    const ok = postgres.ok && temporal.ok;
    if (!ok) res.set('Retry-After', String(Math.ceil(policies.dependencies.retryAfter / 1000)));
    res.status(ok ? 200 : 503).json({ ok, checks: { postgres, temporal } });
  });

  return router;
}
