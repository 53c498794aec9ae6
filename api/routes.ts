/** HTTP routes (seed appendix B). Each handler validates, then calls one service function. */
import { Router } from 'express';
import { z } from 'zod';
import { IdempotencyKey } from './admission';
import { currentUser } from './auth';
import { validationError } from './errors';
import { CreateVibeBoxRequest, VibeBoxIdParams } from './schemas';
import type { BoxEvents } from './boxEvents';
import type { VibeBoxService } from './vibeboxService';

export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'params'): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

function parseHeader<T extends z.ZodType>(schema: T, value: string, name: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(new z.ZodError(result.error.issues.map((i) => ({ ...i, path: [name] }))), 'headers');
  return result.data;
}

export function vibeboxRoutes(service: VibeBoxService, events: BoxEvents): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parse(CreateVibeBoxRequest, req.body ?? {}, 'body');
    const header = req.get('idempotency-key');
    const key = header === undefined ? undefined : parseHeader(IdempotencyKey, header, 'Idempotency-Key');
    const created = await service.create(currentUser(req), body, key);
    // A replay is the box an earlier request made, as it is now: 200, and never its password again.
    if (created.replayed) res.set('Idempotent-Replayed', 'true');
    res.status(created.replayed ? 200 : 202).json(created.box);
  });

  router.get('/', async (req, res) => {
    res.json({ items: await service.list(currentUser(req)) });
  });

  router.get('/:id', async (req, res) => {
    const { id } = parse(VibeBoxIdParams, req.params, 'params');
    res.json(await service.get(currentUser(req), id));
  });

  router.get('/:id/events', async (req, res) => {
    const { id } = parse(VibeBoxIdParams, req.params, 'params');
    await events.stream(currentUser(req), id, req, res);
  });

  // retry: the way out of `error` (provisions again); 409 from any other status.
  for (const action of ['start', 'stop', 'restart', 'retry'] as const) {
    router.post(`/:id/${action}`, async (req, res) => {
      const { id } = parse(VibeBoxIdParams, req.params, 'params');
      res.status(202).json(await service.act(currentUser(req), id, action));
    });
  }

  router.delete('/:id', async (req, res) => {
    const { id } = parse(VibeBoxIdParams, req.params, 'params');
    res.status(202).json(await service.act(currentUser(req), id, 'delete'));
  });

  return router;
}
