/**
 * The relay emulator's control API at `/_emulator`, on the cloud emulators' conventions (no auth,
 * zod-validated JSON, the project's error shape): for tests, the local mode and demos. It never
 * returns tokens or sealed answers.
 *
 *   GET    /auth-requests                      pending and answered terminal requests
 *   POST   /auth-requests/expire {publicKey?}  drop one (base64 key) or all, as if they lapsed
 *   GET    /accounts
 *   GET    /machines                           with presence (connections, connects)
 *   GET    /faults | POST /faults FaultSpec | DELETE /faults[?id=]   (actions: RELAY_ACTIONS)
 *   POST   /reset
 */
import express, { Router } from 'express';
import { z } from 'zod';
import { controlErrorHandler } from '../../providers/emulation/control';
import type { FaultInjector } from '../../providers/emulation/faults';
import { fromBase64 } from '../crypto';
import { RELAY_ACTIONS } from './http';
import type { RelayState } from './state';
import type { UpdatesChannel } from './updates';

export interface ControlAuthRequest {
  /** The terminal's public key, standard base64. */
  publicKey: string;
  supportsV2: boolean;
  state: 'pending' | 'authorized';
  createdAt: string;
  answeredAt?: string;
}

export interface ControlMachine {
  id: string;
  accountId: string;
  active: boolean;
  activeAt: string;
  metadataVersion: number;
  daemonStateVersion: number;
  /** Machine-scoped sockets open now: the daemon is online when this is > 0. */
  connections: number;
  /** Machine-scoped connections accepted so far (each daemon start adds one). */
  connects: number;
  createdAt: string;
}

const expireBody = z.object({ publicKey: z.string().min(1).optional() }).strict();

export function createRelayControlRouter(state: RelayState, faults: FaultInjector, updates: UpdatesChannel): Router {
  const router = express.Router();
  router.use(express.json());
  const iso = (ms: number) => new Date(ms).toISOString();

  router.get('/auth-requests', (_req, res) => {
    const requests: ControlAuthRequest[] = [...state.authRequests.values()].map((r) => ({
      publicKey: Buffer.from(r.publicKeyHex, 'hex').toString('base64'),
      supportsV2: r.supportsV2,
      state: r.response ? 'authorized' : 'pending',
      createdAt: iso(r.createdAt),
      ...(r.response ? { answeredAt: iso(r.updatedAt) } : {}),
    }));
    res.json({ requests });
  });

  router.post('/auth-requests/expire', (req, res) => {
    const { publicKey } = expireBody.parse(req.body ?? {});
    const hex = publicKey ? Buffer.from(fromBase64(publicKey)).toString('hex') : undefined;
    res.json({ expired: state.dropAuthRequests(hex) });
  });

  router.get('/accounts', (_req, res) => {
    res.json({ accounts: [...state.accounts.values()].map((a) => ({ id: a.id, publicKey: Buffer.from(a.publicKeyHex, 'hex').toString('base64'), createdAt: iso(a.createdAt) })) });
  });

  router.get('/machines', (_req, res) => {
    const machines: ControlMachine[] = [...state.machines.values()].map((m) => ({
      id: m.id,
      accountId: m.accountId,
      active: m.active,
      activeAt: iso(m.lastActiveAt),
      metadataVersion: m.metadataVersion,
      daemonStateVersion: m.daemonStateVersion,
      ...updates.presence(m.id),
      createdAt: iso(m.createdAt),
    })).map(({ lastConnectedAt: _drop, ...m }) => m);
    res.json({ machines });
  });

  router.get('/faults', (_req, res) => {
    res.json({ faults: faults.list() });
  });
  router.post('/faults', (req, res) => {
    z.object({ action: z.enum([...RELAY_ACTIONS, '*']).optional() }).parse(req.body ?? {});
    res.json({ fault: faults.inject(req.body) });
  });
  router.delete('/faults', (req, res) => {
    faults.clear(typeof req.query.id === 'string' ? req.query.id : undefined);
    res.json({ ok: true });
  });

  router.post('/reset', (_req, res) => {
    state.reset();
    faults.clear();
    res.json({ ok: true });
  });

  router.use(controlErrorHandler);
  return router;
}
