/**
 * The relay's REST routes, as happy-server's authRoutes and machinesRoutes answer them (Fastify
 * with zod schemas upstream): terminal pairing (`/v1/auth/request`, `/status`, `/response`),
 * account sign-in (`/v1/auth`) and machines. Error bodies follow Fastify's shapes
 * (`{statusCode, error, message}` for validation/404/5xx) and the routes' own (`{error: '…'}`).
 * Every request first passes fault injection under its action name (RELAY_ACTIONS).
 */
import { STATUS_CODES } from 'node:http';
import express, { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import type { EmulatorErrorCode } from '../../providers/emulation/errors';
import type { FaultInjector } from '../../providers/emulation/faults';
import { fromBase64, PUBLIC_KEY_BYTES, verifyAuthChallenge } from '../crypto';
import { Machine, RelayState } from './state';
import { createToken, verifyToken } from './tokens';
import type { UpdatesChannel } from './updates';

export const RELAY_ACTIONS = [
  'auth',
  'auth-request',
  'auth-request-status',
  'auth-response',
  'machines-create',
  'machines-list',
  'machines-get',
  'machines-delete',
  'updates-connect',
] as const;
export type RelayAction = (typeof RELAY_ACTIONS)[number];

/** A neutral fault code as the relay's HTTP status (anything else is a 500). */
const ERROR_STATUS: Partial<Record<EmulatorErrorCode, number>> = { NotFound: 404, InvalidParameter: 400, Throttled: 429 };

interface AuthedRequest extends Request {
  accountId?: string;
}

/** A Fastify-style error body: `{statusCode, error, message}` (+ `code` for validation). */
function fastifyError(res: Response, status: number, message: string, code?: string): void {
  res.status(status).json({ statusCode: status, ...(code ? { code } : {}), error: STATUS_CODES[status] ?? 'Error', message });
}

/** Parses with zod; on failure answers 400 as fastify-type-provider-zod does and returns undefined. */
function parse<T extends z.ZodType>(schema: T, value: unknown, part: 'body' | 'querystring' | 'params', res: Response): z.infer<T> | undefined {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const message = result.error.issues.map((i) => `${part}/${i.path.join('/')} ${i.message}`).join(', ');
  fastifyError(res, 400, message, 'FST_ERR_VALIDATION');
  return undefined;
}

/** Decodes a base64 box public key; undefined unless it is exactly 32 bytes (the server's check). */
function boxPublicKeyHex(base64: string): string | undefined {
  const bytes = fromBase64(base64);
  return bytes.length === PUBLIC_KEY_BYTES ? Buffer.from(bytes).toString('hex') : undefined;
}

const publicKeyBody = z.object({ publicKey: z.string() });

export function createRelayRoutes(state: RelayState, faults: FaultInjector, updates: UpdatesChannel): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));

  /** Fault injection by action, rendered as the relay would fail: a 5xx, a 429, or no answer. */
  const admit =
    (action: RelayAction) =>
    (_req: Request, res: Response, next: NextFunction): void => {
      const decision = faults.beforeCall(action);
      switch (decision.kind) {
        case 'none':
          return next();
        case 'hang':
          return; // never answered; the server's close() destroys the socket
        case 'http5xx':
          return fastifyError(res, decision.status, decision.message);
        case 'throttle':
          res.setHeader('retry-after', String(decision.retryAfterSeconds));
          return fastifyError(res, 429, `Rate limit exceeded, retry in ${decision.retryAfterSeconds} seconds`);
        case 'error':
          return fastifyError(res, ERROR_STATUS[decision.error.code] ?? 500, decision.error.message);
      }
    };

  /** happy-server's `app.authenticate`: a bearer token or 401 with its exact messages. */
  const authenticate = (req: AuthedRequest, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    if (!header || !header.startsWith('Bearer ')) {
      res.status(401).json({ error: 'Missing authorization header' });
      return;
    }
    const claims = verifyToken(state.tokenKey, header.slice('Bearer '.length));
    if (!claims || !state.accounts.has(claims.user)) {
      res.status(401).json({ error: 'Invalid token' });
      return;
    }
    req.accountId = claims.user;
    next();
  };

  // Account sign-in: an Ed25519 signature over a challenge proves the account's seed.
  router.post('/v1/auth', admit('auth'), (req, res) => {
    const body = parse(z.object({ publicKey: z.string(), challenge: z.string(), signature: z.string() }), req.body, 'body', res);
    if (!body) return;
    if (!verifyAuthChallenge(body)) {
      res.status(401).json({ error: 'Invalid signature' });
      return;
    }
    const account = state.upsertAccount(Buffer.from(fromBase64(body.publicKey)).toString('hex'));
    res.json({ success: true, token: createToken(state.tokenKey, { user: account.id }) });
  });

  // The terminal registers and polls here; once answered, every poll gets a fresh token.
  router.post('/v1/auth/request', admit('auth-request'), (req, res) => {
    const body = parse(publicKeyBody.extend({ supportsV2: z.boolean().nullish() }), req.body, 'body', res);
    if (!body) return;
    const keyHex = boxPublicKeyHex(body.publicKey);
    if (!keyHex) {
      res.status(401).json({ error: 'Invalid public key' });
      return;
    }
    const request = state.upsertAuthRequest(keyHex, body.supportsV2 ?? false);
    if (request.response && request.responseAccountId) {
      const token = createToken(state.tokenKey, { user: request.responseAccountId, extras: { session: request.id } });
      res.json({ state: 'authorized', token, response: request.response });
      return;
    }
    res.json({ state: 'requested' });
  });

  // What the app asks before answering (it seals V2 only when the terminal said it supports it).
  router.get('/v1/auth/request/status', admit('auth-request-status'), (req, res) => {
    const query = parse(publicKeyBody, req.query, 'querystring', res);
    if (!query) return;
    const keyHex = boxPublicKeyHex(query.publicKey);
    const request = keyHex ? state.authRequests.get(keyHex) : undefined;
    if (!request) res.json({ status: 'not_found', supportsV2: false });
    else if (request.response && request.responseAccountId) res.json({ status: 'authorized', supportsV2: false });
    else res.json({ status: 'pending', supportsV2: request.supportsV2 });
  });

  // The app's answer. The first one sticks: a second (or a replay) is acknowledged and ignored.
  router.post('/v1/auth/response', admit('auth-response'), authenticate, (req: AuthedRequest, res) => {
    const body = parse(publicKeyBody.extend({ response: z.string() }), req.body, 'body', res);
    if (!body) return;
    const keyHex = boxPublicKeyHex(body.publicKey);
    if (!keyHex) {
      res.status(401).json({ error: 'Invalid public key' });
      return;
    }
    const request = state.authRequests.get(keyHex);
    if (!request) {
      res.status(404).json({ error: 'Request not found' });
      return;
    }
    if (!request.response) state.answerAuthRequest(request, body.response, req.accountId!);
    res.json({ success: true });
  });

  router.post('/v1/machines', admit('machines-create'), authenticate, (req: AuthedRequest, res) => {
    const body = parse(
      z.object({ id: z.string(), metadata: z.string(), daemonState: z.string().optional(), dataEncryptionKey: z.string().nullish() }),
      req.body,
      'body',
      res,
    );
    if (!body) return;
    const accountId = req.accountId!;
    const existing = state.machines.get(body.id);
    if (existing && existing.accountId === accountId) {
      res.json({ machine: renderMachine(existing) });
      return;
    }
    if (existing) {
      // Upstream the id is the primary key, so another account's machine id fails the insert.
      fastifyError(res, 500, 'Unique constraint failed on the fields: (`id`)');
      return;
    }
    const now = Date.now();
    const machine: Machine = {
      id: body.id,
      accountId,
      metadata: body.metadata,
      metadataVersion: 1,
      daemonState: body.daemonState ?? null,
      daemonStateVersion: body.daemonState ? 1 : 0,
      dataEncryptionKey: body.dataEncryptionKey ?? null,
      active: false, // offline until the daemon reports in
      lastActiveAt: now,
      createdAt: now,
      updatedAt: now,
    };
    state.putMachine(machine);
    updates.machineCreated(machine);
    res.json({ machine: renderMachine(machine) });
  });

  router.get('/v1/machines', admit('machines-list'), authenticate, (req: AuthedRequest, res) => {
    const mine = [...state.machines.values()].filter((m) => m.accountId === req.accountId).sort((a, b) => b.lastActiveAt - a.lastActiveAt);
    res.json(mine.map((m) => ({ ...renderMachine(m), seq: 0 })));
  });

  router.get('/v1/machines/:id', admit('machines-get'), authenticate, (req: AuthedRequest, res) => {
    const machine = state.machines.get(String(req.params.id));
    if (!machine || machine.accountId !== req.accountId) {
      res.status(404).json({ error: 'Machine not found' });
      return;
    }
    res.json({ machine: { ...renderMachine(machine), seq: 0 } });
  });

  router.delete('/v1/machines/:id', admit('machines-delete'), authenticate, (req: AuthedRequest, res) => {
    const machine = state.machines.get(String(req.params.id));
    if (!machine || machine.accountId !== req.accountId) {
      res.status(404).json({ error: 'Machine not found' });
      return;
    }
    state.deleteMachine(machine.id);
    updates.machineDeleted(machine);
    res.json({ success: true });
  });

  return router;
}

/** Fastify's 404 and its answer to a malformed JSON body, mounted after every route. */
export function relayFallbacks(router: Router): void {
  router.use((req: Request, res: Response) => fastifyError(res, 404, `Route ${req.method}:${req.originalUrl} not found`));
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) fastifyError(res, status, (err as Error).message, 'FST_ERR_CTP_INVALID_JSON_BODY');
    else fastifyError(res, 500, 'Internal Server Error');
  });
}

/** A machine as the server's routes render it (times as epoch ms, `activeAt` from lastActiveAt). */
export function renderMachine(m: Machine) {
  return {
    id: m.id,
    metadata: m.metadata,
    metadataVersion: m.metadataVersion,
    daemonState: m.daemonState,
    daemonStateVersion: m.daemonStateVersion,
    dataEncryptionKey: m.dataEncryptionKey,
    active: m.active,
    activeAt: m.lastActiveAt,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}
