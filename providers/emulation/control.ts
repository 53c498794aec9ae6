/**
 * The control API every cloud emulator mounts at `/_emulator` on its own server. No signature:
 * it is for tests, the local mode and benchmarks, never for an adapter. Bodies are JSON,
 * validated with zod; a bad one is a 400 with the reasons spelled out.
 *
 *   GET    /instances            ?region=&state=   raw instances (never passwords)
 *   POST   /stock                {region, zone, instanceType, count}
 *   POST   /quota                {maxInstances, region?}
 *   GET    /delays | POST /delays {create?, start?, stop?, reboot?, delete?}  (ms)
 *   POST   /stuck                {transition, on, instanceId?}
 *   GET    /faults | POST /faults FaultSpec → {fault} | DELETE /faults[?id=]
 *   POST   /throttle             {ratePerSecond?, burst?, forced?, retryAfterSeconds?}
 *   POST   /launch-failures      {count}
 *   POST   /reset
 */
import express, { Express, NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { EmulatedCloud } from './emulatedCloud';
import { INSTANCE_STATES, TRANSITIONS } from './model';

export const CONTROL_PREFIX = '/_emulator';

const nonNegInt = z.number().int().min(0);
export const stockBody = z.object({ region: z.string().min(1), zone: z.string().min(1), instanceType: z.string().min(1), count: nonNegInt });
export const quotaBody = z.object({ maxInstances: nonNegInt, region: z.string().min(1).optional() });
export const delaysBody = z
  .object({ create: nonNegInt, start: nonNegInt, stop: nonNegInt, reboot: nonNegInt, delete: nonNegInt })
  .partial()
  .strict();
export const stuckBody = z.object({ transition: z.enum(TRANSITIONS), on: z.boolean(), instanceId: z.string().min(1).optional() });
export const throttleBody = z
  .object({
    ratePerSecond: z.number().min(0),
    burst: z.number().min(1),
    forced: z.boolean(),
    retryAfterSeconds: z.number().min(0),
  })
  .partial()
  .strict();
export const launchFailuresBody = z.object({ count: nonNegInt });

/** An app with the control API mounted at CONTROL_PREFIX; the cloud emulator adds its own routes after. */
export function createEmulatorApp(cloud: EmulatedCloud): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(saveBeforeAnswering(cloud));
  app.use(CONTROL_PREFIX, createControlRouter(cloud));
  return app;
}

/**
 * Every answer leaves only after the state it reports is saved (when the emulator keeps one):
 * a cloud layer's handlers also change their own side tables, which no core event announces.
 * So a crash loses at most a change no client has heard of.
 */
function saveBeforeAnswering(cloud: EmulatedCloud): RequestHandler {
  return (_req, res, next) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: unknown[]) {
      cloud.persist();
      return (writeHead as (...a: unknown[]) => Response).apply(this, args);
    } as typeof res.writeHead;
    next();
  };
}

export function createControlRouter(cloud: EmulatedCloud): Router {
  const router = express.Router();
  router.use(express.json());

  router.get('/instances', (req, res) => {
    const region = typeof req.query.region === 'string' ? req.query.region : undefined;
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    const states = state ? z.array(z.enum(INSTANCE_STATES)).parse(state.split(',')) : undefined;
    res.json({ cloud: cloud.cloud, backing: cloud.backing.kind, instances: cloud.list({ region, states }) });
  });

  router.post('/stock', (req, res) => {
    const b = stockBody.parse(req.body);
    cloud.setStock(b.region, b.zone, b.instanceType, b.count);
    res.json({ ok: true, stock: cloud.stockOf(b.region, b.zone, b.instanceType) });
  });

  router.post('/quota', (req, res) => {
    const b = quotaBody.parse(req.body);
    cloud.setQuota(b.maxInstances, b.region);
    res.json({ ok: true });
  });

  router.get('/delays', (_req, res) => {
    res.json({ delays: cloud.getDelays() });
  });
  router.post('/delays', (req, res) => {
    res.json({ delays: cloud.setDelays(delaysBody.parse(req.body)) });
  });

  router.post('/stuck', (req, res) => {
    const b = stuckBody.parse(req.body);
    cloud.setStuck(b.transition, b.on, b.instanceId);
    res.json({ ok: true });
  });

  router.get('/faults', (_req, res) => {
    res.json({ faults: cloud.faults.list() });
  });
  router.post('/faults', (req, res) => {
    res.json({ fault: cloud.faults.inject(req.body) });
  });
  router.delete('/faults', (req, res) => {
    cloud.faults.clear(typeof req.query.id === 'string' ? req.query.id : undefined);
    res.json({ ok: true });
  });

  router.post('/throttle', (req, res) => {
    res.json({ throttle: cloud.throttle.configure(throttleBody.parse(req.body)) });
  });

  router.post('/launch-failures', (req, res) => {
    cloud.failNextLaunches(launchFailuresBody.parse(req.body).count);
    res.json({ ok: true });
  });

  router.post('/reset', async (_req, res) => {
    await cloud.reset();
    res.json({ ok: true });
  });

  router.use(controlErrorHandler);
  return router;
}

/**
 * The control API's error middleware, shared by every emulator (the clouds' and Happy's relay):
 * the project's one error shape ({ error: { code, message, details? } }), never the emulated
 * service's own envelope.
 */
export function controlErrorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof z.ZodError) {
    res.status(400).json({ error: { code: 'InvalidBody', message: z.prettifyError(err), details: err.issues } });
    return;
  }
  const status = (err as { status?: number }).status;
  if (status && status >= 400 && status < 500) {
    res.status(status).json({ error: { code: 'InvalidBody', message: (err as Error).message } }); // e.g. malformed JSON
    return;
  }
  res.status(500).json({ error: { code: 'Internal', message: err instanceof Error ? err.message : String(err) } });
}
