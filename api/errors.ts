/** One error shape everywhere: `{ error: { code, message, details? } }` with the right status. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { createLogger } from '../lib/logger';
import { redactText } from '../lib/redact';

const log = createLogger('api');

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what = 'resource') => new HttpError(404, 'not_found', `${what} not found`);

/** zod issues → field-level details: `[{ field: 'planId', message: '...' }]`. */
export function validationError(error: z.ZodError, where: 'body' | 'query' | 'params' = 'body'): HttpError {
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
  else {
    log.error('unhandled error', { method: req.method, path: req.path, error: err });
    e = new HttpError(500, 'internal', 'internal error');
  }
  res.status(e.status).json({ error: { code: e.code, message: redactText(e.message), ...(e.details ? { details: e.details } : {}) } });
};
