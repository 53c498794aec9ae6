/**
 * Tencent API error codes → ProviderError kinds, as data (providers/errorCodeTable.ts). Tencent
 * names families by word prefix (`InvalidParameterValue.Range` is an `InvalidParameter…`), hence
 * the bare `*` rows. The cloud's code and RequestId ride along on every ProviderError, for the
 * audit log.
 */
import { redactText } from '../../lib/redact';
import type { FailureKind } from '../calls';
import { ErrorCodeRows, errorCodeTable } from '../errorCodeTable';
import { ProviderError } from '../errors';

export const TENCENT_ERROR_KINDS: ErrorCodeRows = {
  'ResourceInsufficient.*': 'InsufficientStock',
  'ResourcesSoldOut.*': 'InsufficientStock',
  'ResourceUnavailable.InstanceType': 'InsufficientStock',
  'LimitExceeded.InstanceQuota': 'InsufficientStock',
  'RequestLimitExceeded*': 'Throttled',
  'UnsupportedOperation.InstanceState*': 'InvalidState',
  'OperationDenied.InstanceOperationInProgress': 'InvalidState',
  'MutexOperation.TaskRunning': 'InvalidState',
  'InvalidInstanceId.NotFound': 'NotFound',
  'AuthFailure.*': 'AuthFailed',
  'UnauthorizedOperation*': 'AuthFailed',
  'InvalidParameter*': 'InvalidRequest', // InvalidParameter, InvalidParameterValue.*, InvalidParameterCombination
  'MissingParameter*': 'InvalidRequest',
  'UnknownParameter*': 'InvalidRequest',
  'InvalidInstanceId.Malformed': 'InvalidRequest',
  'InvalidImageId.*': 'InvalidRequest',
  'InvalidZone.*': 'InvalidRequest',
  'InvalidPassword': 'InvalidRequest',
  'InvalidAction': 'InvalidRequest',
  'UnsupportedRegion': 'InvalidRequest',
  'InternalError*': 'Transient',
  'ServiceUnavailable*': 'Transient',
};

const tencentCodeKind = errorCodeTable(TENCENT_ERROR_KINDS, { caseSensitive: true });

/**
 * A code nobody listed needs a decision, not a blind retry: InvalidRequest surfaces it to the
 * workflow and the operator. Add a row above when a new code shows up in the audit log.
 */
const UNKNOWN_CODE_KIND: FailureKind = 'InvalidRequest';

export function kindOfTencentCode(code: string): FailureKind {
  return tencentCodeKind(code) ?? UNKNOWN_CODE_KIND;
}

/** The fields of the SDK's TencentCloudSDKHttpException we rely on (the class is not exported). */
interface TencentSdkErrorShape {
  message: string;
  code?: string;
  requestId?: string;
  httpCode?: number;
}

function sdkErrorShape(err: unknown): TencentSdkErrorShape | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & Partial<TencentSdkErrorShape>;
  return { message: e.message, code: e.code, requestId: e.requestId || undefined, httpCode: e.httpCode };
}

/**
 * Any failure of an SDK call → ProviderError. Three shapes arrive: an API error (HTTP 200 with
 * an Error envelope: `code` + `requestId`), a non-200 answer (`httpCode`, no code) and a
 * transport failure (connection refused, timeout: only a message).
 */
export function toProviderError(err: unknown, action: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = sdkErrorShape(err);
  // Cloud messages rarely echo parameters, but a password must never ride into a log.
  const message = redactText(e?.message ?? String(err));
  if (e?.code) {
    return new ProviderError(kindOfTencentCode(e.code), `tencent ${action}: ${e.code}: ${message}`, {
      code: e.code,
      requestId: e.requestId,
      cause: err,
    });
  }
  if (e?.httpCode !== undefined) {
    const kind: FailureKind = e.httpCode === 429 ? 'Throttled' : e.httpCode >= 500 ? 'Transient' : e.httpCode === 401 || e.httpCode === 403 ? 'AuthFailed' : 'InvalidRequest';
    return new ProviderError(kind, `tencent ${action}: HTTP ${e.httpCode} ${message}`, { httpStatus: e.httpCode, code: `HTTP${e.httpCode}`, cause: err });
  }
  return new ProviderError('Transient', `tencent ${action}: ${message}`, { code: 'NetworkError', cause: err });
}
