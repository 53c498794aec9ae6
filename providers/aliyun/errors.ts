/**
 * Alibaba Cloud error codes → ProviderError kinds, as data (providers/errorCodeTable.ts). ECS adds
 * suffixes such as `IncorrectInstanceStatus.Initializing` or `Throttling.User`, hence the `.*`
 * rows; a code no row knows falls back on the HTTP status. The cloud's own code and RequestId
 * stay on the error.
 */
import type { FailureKind } from '../calls';
import { ErrorCodeRows, errorCodeTable } from '../errorCodeTable';
import { ProviderError } from '../errors';

export const ALIYUN_ERROR_KINDS: ErrorCodeRows = {
  // No capacity where we asked: the workflow fails over to the next zone/region/provider.
  'OperationDenied.NoStock': 'InsufficientStock',
  'Zone.NotOnSale': 'InsufficientStock',
  'InvalidResourceType.NotSupported': 'InsufficientStock',
  'InstanceType.Offline': 'InsufficientStock',
  'OperationDenied.ZoneNotAllowed': 'InsufficientStock',
  'InvalidInstanceType.NotSupported': 'InsufficientStock',
  'ResourceNotAvailable': 'InsufficientStock',
  'QuotaExceed.*': 'InsufficientStock',
  'IncorrectInstanceStatus.*': 'InvalidState',
  'IncorrectVmStatus.*': 'InvalidState',
  // Only a missing *instance* means the resource is gone; other `*.NotFound` are bad requests.
  'InvalidInstanceId.NotFound': 'NotFound',
  'InvalidInstanceId.MalFormed': 'NotFound',
  'InvalidAccessKeyId.NotFound': 'AuthFailed',
  'InvalidAccessKeyId.Inactive': 'AuthFailed',
  'SignatureDoesNotMatch': 'AuthFailed',
  'IncompleteSignature': 'AuthFailed',
  'InvalidTimeStamp.Expired': 'AuthFailed',
  'InvalidTimeStamp.Format': 'AuthFailed',
  'InvalidSecurityToken.Expired': 'AuthFailed',
  'InvalidSecurityToken.Malformed': 'AuthFailed',
  'InvalidSecurityToken.MismatchWithAccessKey': 'AuthFailed',
  'Forbidden.*': 'AuthFailed',
  'Throttling.*': 'Throttled',
  // A replayed nonce or a concurrent operation on the instance: a plain retry succeeds.
  'SignatureNonceUsed': 'Transient',
  'OperationConflict': 'Transient',
  'LastTokenProcessing': 'Transient',
  'InternalError': 'Transient',
  'ServiceUnavailable': 'Transient',
  'UnknownError': 'Transient',
  'IdempotentParameterMismatch': 'InvalidRequest',
  'DryRunOperation': 'InvalidRequest',
  'InvalidParameter.*': 'InvalidRequest',
  'MissingParameter.*': 'InvalidRequest',
};

const aliyunCodeKind = errorCodeTable(ALIYUN_ERROR_KINDS, { caseSensitive: true });

/** A code the table does not know: a 5xx (or no answer at all) is worth a retry, anything else is a refusal. */
export function kindOfAliyunCode(code: string | undefined, httpStatus: number | undefined): FailureKind {
  const known = aliyunCodeKind(code);
  if (known) return known;
  if (httpStatus === undefined || httpStatus >= 500) return 'Transient';
  return 'InvalidRequest';
}

/** What the SDK's errors (ClientError, ServerError, ThrottlingError) carry; read by shape, not class. */
interface AliyunSdkError {
  code?: unknown;
  statusCode?: unknown;
  requestId?: unknown;
  /** ThrottlingError: the `x-acs-retry-after` header, which the SDK's retry policy reads as milliseconds. */
  retryAfter?: unknown;
  data?: unknown;
  name?: unknown;
  message?: unknown;
}

/** The SDK stringifies absent fields into "undefined". */
function present(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && v !== 'undefined' ? v : undefined;
}

function cloudMessage(data: unknown): string | undefined {
  if (data && typeof data === 'object' && 'Message' in data) return present((data as { Message: unknown }).Message);
  return undefined;
}

/**
 * Turns whatever the SDK threw into a ProviderError. The SDK's own error is deliberately not kept
 * as `cause`: its network errors quote the full request URL, and RunInstances carries Password
 * in the query string.
 */
export function mapAliyunError(err: unknown, action: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as AliyunSdkError;
  const code = present(e.code);
  const httpStatus = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (!code && httpStatus === undefined) {
    const name = present(e.name) ?? 'Error';
    const detail = present(e.message)?.replace(/\?\S*/g, '?…') ?? '';
    return new ProviderError('Transient', `aliyun ${action}: network error (${name}) ${detail}`.trim(), { code: name });
  }
  const kind = kindOfAliyunCode(code, httpStatus);
  const retryAfterMs = typeof e.retryAfter === 'number' ? e.retryAfter : undefined;
  const message = cloudMessage(e.data) ?? `HTTP ${httpStatus ?? '?'}`;
  return new ProviderError(kind, `aliyun ${action}: ${code ?? 'error'} — ${message}`, {
    code,
    requestId: present(e.requestId),
    httpStatus,
    retryAfterSeconds: kind === 'Throttled' && retryAfterMs !== undefined ? Math.ceil(retryAfterMs / 1000) : undefined,
  });
}
