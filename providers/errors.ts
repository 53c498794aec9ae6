/**
 * ProviderError: the one error providers throw. `kind` is what workflow policy branches on; `code`
 * and `requestId` are the cloud's own, kept for the audit log and for operators.
 */

import type { FailureDetails, FailureKind } from './calls';

export interface ProviderErrorDetails extends FailureDetails {
  /** HTTP status the cloud answered with, when there was one. */
  httpStatus?: number;
  cause?: unknown;
}

export class ProviderError extends Error {
  readonly kind: FailureKind;
  readonly code?: string;
  readonly requestId?: string;
  readonly httpStatus?: number;
  readonly retryAfterSeconds?: number;
  readonly createAccepted?: boolean;

  constructor(kind: FailureKind, message: string, details: ProviderErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.code = details.code;
    this.requestId = details.requestId;
    this.httpStatus = details.httpStatus;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.createAccepted = details.createAccepted;
  }

  /** Transient and throttled failures are worth retrying as they are; the rest need a decision. */
  get retryable(): boolean {
    return this.kind === 'Transient' || this.kind === 'Throttled';
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}
