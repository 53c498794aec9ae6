/**
 * Happy pairing routes, mounted at /api/vibeboxes/:id/happy: so a subscriber pairs a box's
 * Happy with their phone using HTTP alone (docs/happy.md, "Pair a box from the API").
 */
import { Router } from 'express';
import { currentUser } from './auth';
import type { HappyService } from './happyService';
import { parse } from './routes';
import { HappyPairingRequest, VibeBoxIdParams } from './schemas';

export function happyRoutes(happy: HappyService): Router {
  const router = Router({ mergeParams: true });

  router.get('/', async (req, res) => {
    const { id } = parse(VibeBoxIdParams, req.params, 'params');
    res.json(await happy.status(currentUser(req), id));
  });

  router.post('/pairing', async (req, res) => {
    const { id } = parse(VibeBoxIdParams, req.params, 'params');
    parse(HappyPairingRequest, req.body ?? {}, 'body');
    res.status(202).json(await happy.pair(currentUser(req), id));
  });

  router.delete('/pairing', async (req, res) => {
    const { id } = parse(VibeBoxIdParams, req.params, 'params');
    res.status(202).json(await happy.unpair(currentUser(req), id));
  });

  return router;
}
