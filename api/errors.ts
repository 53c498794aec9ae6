/**
 * One error shape everywhere: `{ error: { code, message, details? } }` with the right status. A
 * dependency that is away (Postgres here; Temporal in the service, which knows what was asked) is
 * a 503 with Retry-After, never a 500 or a hang.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../lib/db';
import { createLogger } from '../lib/logger';
import { redactText } from '../lib/redact';
import { policies } from '../workflows/policies';

const log = createLogger('api');

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Sent as Retry-After (whole seconds): when trying again makes sense (429, 503). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** 503: a dependency is away; the caller should try again after Retry-After. */
export const unavailable = (message: string, retryAfterMs = policies.dependencies.retryAfter) =>
  new HttpError(503, 'unavailable', message, undefined, retryAfterMs);

export const notFound = (what = 'resource') => new HttpError(404, 'not_found', `${what} not found`);

/** zod issues → field-level details: `[{ field: 'planId', message: '...' }]`. */
export function validationError(error: z.ZodError, where: 'body' | 'query' | 'params' | 'headers' = 'body'): HttpError {
  const details = error.issues.map((i) => ({ field: i.path.join('.') || where, message: i.message }));
  return new HttpError(400, 'invalid_request', `invalid ${where}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);
}

export const unknownRoute: RequestHandler = (req, _res, next) => next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let e: HttpError;
  if (err instanceof HttpError) e = err;
  else if (err instanceof z.ZodError) e = validationError(err);
  else if ((err as { type?: string }).type === 'entity.parse.failed') e = new HttpError(400, 'invalid_json', 'request body is not valid JSON');
  else if ((err as { type?: string }).type === 'entity.too.large') e = new HttpError(413, 'too_large', 'request body too large');
  else if (isDatabaseUnavailable(err)) {
    log.warn('database unavailable', { method: req.method, path: req.path, error: err });
    e = unavailable('the database is unavailable; try again shortly');
  } else {
    log.error('unhandled error', { method: req.method, path: req.path, error: err });
    e = new HttpError(500, 'internal', 'internal error');
  }
  // For the request metrics (api/metrics.ts): the refusal's code, not only its status.
  res.locals.errorCode = e.code;
  if (e.retryAfterMs !== undefined) res.set('Retry-After', String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))));
  res.status(e.status).json({ error: { code: e.code, message: redactText(e.message), ...(e.details ? { details: e.details } : {}) } });
};
