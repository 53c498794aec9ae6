/**
 * The emulator's side of ECloud errors: the error it answers with (HTTP status, envelope state
 * and code in `{requestId, state, body: null, errorCode, errorMessage}`), and how the emulation
 * core's neutral errors become ECloud codes. Codes and statuses are the adapter's own
 * (providers/chinamobile/wire.ts), so a correction there moves both sides.
 */
import type { Response } from 'express';
import { EmulatorError, isEmulatorError } from '../../emulation';
import { ECLOUD_ERROR_CODES as CODES, HTTP_STATUS } from '../wire';

/** An error in ECloud's terms: HTTP status, envelope state and code. */
export class EcloudWireError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly state: 'ERROR' | 'EXCEPTION' | 'FORBIDDEN',
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** A request ECloud refuses in a 200 envelope with state ERROR: the common case. */
export function refused(code: string, message: string): EcloudWireError {
  return new EcloudWireError(HTTP_STATUS.ok, 'ERROR', code, message);
}

export function throttled(message: string, retryAfterSeconds: number): EcloudWireError {
  return new EcloudWireError(HTTP_STATUS.throttled, 'ERROR', CODES.throttled, message, retryAfterSeconds);
}

export function internalError(status: number, message: string): EcloudWireError {
  return new EcloudWireError(status, 'EXCEPTION', CODES.internal, message);
}

export function fromEmulatorError(err: EmulatorError): EcloudWireError {
  switch (err.code) {
    case 'NotFound':
      return refused(CODES.notFound, err.message);
    case 'IncorrectState':
      return refused(CODES.incorrectState, err.message);
    case 'NoStock':
      return refused(CODES.noStock, err.message);
    case 'QuotaExceeded':
      return refused(CODES.quotaExceeded, err.message);
    case 'Throttled':
      return throttled(err.message, err.retryAfterSeconds ?? 1);
    case 'InvalidParameter':
      return refused(CODES.invalidParameter, err.message);
    case 'Internal':
      return internalError(HTTP_STATUS.internal, err.message);
  }
}

/** Anything thrown while serving a call, as ECloud would answer it. */
export function toWireError(err: unknown): EcloudWireError {
  if (err instanceof EcloudWireError) return err;
  if (isEmulatorError(err)) return fromEmulatorError(err);
  const status = (err as { status?: number }).status;
  if (status && status >= 400 && status < 500) return refused(CODES.invalidParameter, (err as Error).message); // e.g. malformed JSON
  return internalError(HTTP_STATUS.internal, err instanceof Error ? err.message : String(err));
}

export function sendError(res: Response, requestId: string, err: EcloudWireError): void {
  if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(err.retryAfterSeconds)));
  res.status(err.httpStatus).json({ requestId, state: err.state, body: null, errorCode: err.code, errorMessage: err.message });
}
