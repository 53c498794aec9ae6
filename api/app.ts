/** The Express app: JSON in, one error shape out, bearer auth on /api/vibeboxes. */
import express, { Express } from 'express';
import type { Db } from '../lib/db';
import { requireUser } from './auth';
import type { BoxEvents } from './boxEvents';
import { countRequests, rememberMount, type ApiMetrics } from './metrics';
import { writeMetrics } from '../lib/metrics';
import { apiDocsRoutes } from './docs';
import { errorHandler, HttpError, unknownRoute } from './errors';
import { buildOpenApiDocument } from './openapi';
import { vibeboxRoutes } from './routes';
import type { VibeBoxService } from './vibeboxService';

export function createApp(deps: { db: Db; service: VibeBoxService; events: BoxEvents; metrics: ApiMetrics }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(countRequests(deps.metrics));
  // Prometheus scrapes it unauthenticated, like /healthz: keep the API port off the internet, or front it.
  app.get('/metrics', async (_req, res) => {
    await writeMetrics(deps.metrics.registry, res);
  });
  app.use(express.json({ limit: '64kb' }));
  app.use((req, _res, next) => {
    // A body that is not JSON must not slip through as "no fields" and create a default box.
    if (['POST', 'PUT', 'PATCH'].includes(req.method) && req.headers['content-length'] !== '0' && req.body === undefined && req.headers['content-type']) {
      return next(new HttpError(415, 'unsupported_media_type', 'send the body as application/json'));
    }
    next();
  });
  const openapi = buildOpenApiDocument();
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(apiDocsRoutes());
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/api/vibeboxes', rememberMount, requireUser(deps.db), vibeboxRoutes(deps.service, deps.events));
  app.use(unknownRoute);
  app.use(errorHandler);
  return app;
}
