/**
 * ECloud errors → ProviderError kinds, as data (providers/errorCodeTable.ts). The cloud's code,
 * request id and HTTP status are kept on the ProviderError for the audit log. Precedence: HTTP
 * 429 → Throttled; a known code (in any case: the gateway is not consistent about it); state
 * FORBIDDEN → AuthFailed; HTTP 5xx or state EXCEPTION → Transient; anything else that is not OK →
 * InvalidRequest (a request the cloud understood and refused).
 */
import type { FailureKind } from '../calls';
import { ErrorCodeRows, errorCodeTable } from '../errorCodeTable';
import { ProviderError } from '../errors';
import { ECLOUD_ERROR_CODES as C } from './wire';

/** Codes we emit in the emulator plus plausible synonyms, so a real code rarely falls through. */
export const ECLOUD_ERROR_KINDS: ErrorCodeRows = {
  [C.noStock]: 'InsufficientStock',
  RESOURCE_NOT_ENOUGH: 'InsufficientStock',
  SOLD_OUT: 'InsufficientStock',
  // Quotas are per region: failing over to the next region is the right reaction, as for stock.
  [C.quotaExceeded]: 'InsufficientStock',
  [C.throttled]: 'Throttled',
  TOO_MANY_REQUESTS: 'Throttled',
  [C.incorrectState]: 'InvalidState',
  INSTANCE_STATUS_ERROR: 'InvalidState',
  [C.notFound]: 'NotFound',
  INSTANCE_NOT_FOUND: 'NotFound',
  SERVER_NOT_EXIST: 'NotFound',
  [C.invalidAccessKey]: 'AuthFailed',
  [C.signatureMismatch]: 'AuthFailed',
  [C.requestExpired]: 'AuthFailed',
  [C.nonceUsed]: 'AuthFailed',
  ACCESS_DENIED: 'AuthFailed',
  FORBIDDEN: 'AuthFailed',
  [C.missingParameter]: 'InvalidRequest',
  [C.invalidParameter]: 'InvalidRequest',
  [C.internal]: 'Transient',
  SERVICE_UNAVAILABLE: 'Transient',
};

const ecloudCodeKind = errorCodeTable(ECLOUD_ERROR_KINDS, { caseSensitive: false });

export interface EcloudFailure {
  httpStatus?: number;
  state?: string;
  errorCode?: string;
  errorMessage?: string;
  requestId?: string;
  retryAfterSeconds?: number;
  action: string;
}

export function kindOf(f: Pick<EcloudFailure, 'httpStatus' | 'state' | 'errorCode'>): FailureKind {
  if (f.httpStatus === 429) return 'Throttled';
  const byCode = ecloudCodeKind(f.errorCode);
  if (byCode) return byCode;
  if (f.state === 'FORBIDDEN' || f.httpStatus === 401 || f.httpStatus === 403) return 'AuthFailed';
  if ((f.httpStatus ?? 0) >= 500 || f.state === 'EXCEPTION') return 'Transient';
  return 'InvalidRequest';
}

export function toProviderError(f: EcloudFailure): ProviderError {
  const kind = kindOf(f);
  const what = f.errorMessage || f.state || (f.httpStatus ? `HTTP ${f.httpStatus}` : 'error');
  const code = f.errorCode || (f.httpStatus && f.httpStatus !== 200 ? `HTTP${f.httpStatus}` : f.state);
  return new ProviderError(kind, `chinamobile ${f.action}: ${what}`, {
    code,
    requestId: f.requestId || undefined,
    httpStatus: f.httpStatus,
    retryAfterSeconds: f.retryAfterSeconds ?? (kind === 'Throttled' ? 1 : undefined),
  });
}
