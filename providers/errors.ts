/**
 * ProviderError: the one error providers throw. `kind` is what workflow policy branches on; `code`
 * and `requestId` are the cloud's own, kept for the audit log and for operators.
 */

export const PROVIDER_ERROR_KINDS = [
  'InsufficientStock',
  'Throttled',
  'InvalidState',
  'NotFound',
  'AuthFailed',
  'InvalidRequest',
  'Transient',
] as const;
export type ProviderErrorKind = (typeof PROVIDER_ERROR_KINDS)[number];

export interface ProviderErrorDetails {
  /** The cloud's own error code, e.g. `OperationDenied.NoStock`. */
  code?: string;
  /** The cloud's request id, for the audit log and support tickets. */
  requestId?: string;
  /** HTTP status the cloud answered with, when there was one. */
  httpStatus?: number;
  /** Seconds the cloud asked us to wait before retrying (throttling). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly code?: string;
  readonly requestId?: string;
  readonly httpStatus?: number;
  readonly retryAfterSeconds?: number;

  constructor(kind: ProviderErrorKind, message: string, details: ProviderErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.code = details.code;
    this.requestId = details.requestId;
    this.httpStatus = details.httpStatus;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  /** Transient and throttled failures are worth retrying as they are; the rest need a decision. */
  get retryable(): boolean {
    return this.kind === 'Transient' || this.kind === 'Throttled';
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}
