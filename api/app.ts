/** The Express app: JSON in, one error shape out, bearer auth on /api/vibeboxes, health endpoints. */
import type { Client } from '@temporalio/client';
import express, { Express } from 'express';
import type { Database } from '../lib/db';
import { requireUser } from './auth';
import { apiDocsRoutes } from './docs';
import { errorHandler, HttpError, unknownRoute } from './errors';
import { happyRoutes } from './happyRoutes';
import { ApiMetrics } from './metrics';
import type { HappyService } from './happyService';
import { healthRoutes } from './health';
import { buildOpenApiDocument } from './openapi';
import { vibeboxRoutes } from './routes';
import type { VibeBoxService } from './vibeboxService';

export function createApp(deps: { database: Database; temporal: Client; service: VibeBoxService; happy: HappyService }): Express {
  const app = express();
  app.disable('x-powered-by');
  const openapi = buildOpenApiDocument();
  const metrics = new ApiMetrics(Object.keys(openapi.paths as Record<string, unknown>));
  app.use(metrics.middleware);
  app.use(express.json({ limit: '64kb' }));
  app.use((req, _res, next) => {
    // A body that is not JSON must not slip through as "no fields" and create a default box.
    if (['POST', 'PUT', 'PATCH'].includes(req.method) && req.headers['content-length'] !== '0' && req.body === undefined && req.headers['content-type']) {
      return next(new HttpError(415, 'unsupported_media_type', 'send the body as application/json'));
    }
    next();
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(apiDocsRoutes());
  app.use(metrics.routes());
  app.use(healthRoutes({ database: deps.database, temporal: deps.temporal }));
  app.use('/api/vibeboxes/:id/happy', requireUser(deps.database.db), happyRoutes(deps.happy));
  app.use('/api/vibeboxes', requireUser(deps.database.db), vibeboxRoutes(deps.service));
  app.use(unknownRoute);
  app.use(errorHandler);
  return app;
}
