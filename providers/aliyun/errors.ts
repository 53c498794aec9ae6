/**
 * Alibaba Cloud error codes → ProviderError kinds, as data. Codes are matched exactly first, then
 * by prefix (ECS adds suffixes such as `IncorrectInstanceStatus.Initializing` or
 * `Throttling.User`), then by HTTP status. The cloud's own code and RequestId stay on the error.
 */
import type { FailureKind } from '../calls';
import { ProviderError } from '../errors';

export const ALIYUN_ERROR_CODES: Readonly<Record<string, FailureKind>> = {
  // No capacity where we asked: the workflow fails over to the next zone/region/provider.
  'OperationDenied.NoStock': 'InsufficientStock',
  'Zone.NotOnSale': 'InsufficientStock',
  'InvalidResourceType.NotSupported': 'InsufficientStock',
  'InstanceType.Offline': 'InsufficientStock',
  'OperationDenied.ZoneNotAllowed': 'InsufficientStock',
  'InvalidInstanceType.NotSupported': 'InsufficientStock',
  'ResourceNotAvailable': 'InsufficientStock',
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
  // A replayed nonce or a concurrent operation on the instance: a plain retry succeeds.
  'SignatureNonceUsed': 'Transient',
  'OperationConflict': 'Transient',
  'LastTokenProcessing': 'Transient',
  'InternalError': 'Transient',
  'ServiceUnavailable': 'Transient',
  'UnknownError': 'Transient',
  'IdempotentParameterMismatch': 'InvalidRequest',
  'DryRunOperation': 'InvalidRequest',
};

/** Matched on whole dot-separated segments; the longest matching prefix wins. */
export const ALIYUN_ERROR_PREFIXES: ReadonlyArray<readonly [prefix: string, kind: FailureKind]> = [
  ['IncorrectInstanceStatus', 'InvalidState'],
  ['IncorrectVmStatus', 'InvalidState'],
  ['InvalidParameter', 'InvalidRequest'],
  ['MissingParameter', 'InvalidRequest'],
  ['QuotaExceed', 'InsufficientStock'],
  ['Forbidden', 'AuthFailed'],
  ['Throttling', 'Throttled'],
];

export function kindOfAliyunCode(code: string | undefined, httpStatus: number | undefined): FailureKind {
  if (code) {
    const exact = ALIYUN_ERROR_CODES[code];
    if (exact) return exact;
    const prefixed = ALIYUN_ERROR_PREFIXES.filter(([p]) => code === p || code.startsWith(`${p}.`)).sort((a, b) => b[0].length - a[0].length)[0];
    if (prefixed) return prefixed[1];
  }
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
