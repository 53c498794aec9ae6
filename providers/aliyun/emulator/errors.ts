/**
 * The emulator's side of ECS errors: the error it answers with (`{RequestId, HostId, Code,
 * Message, Recommend}` and an HTTP status), and how the emulation core's neutral errors become
 * ECS codes. Codes/statuses marked "assumed" in docs/providers/aliyun.md are our best reading.
 */
import type { Response } from 'express';
import { EmulatorError, EmulatorErrorCode } from '../../emulation';

export class AliyunApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Throttling: sent as `x-acs-retry-after` in milliseconds, which is how the SDK's retry policy reads it. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AliyunApiError';
  }
}

interface CodeSpec {
  status: number;
  code: string;
  message: string;
}

const NEUTRAL_TO_ALIYUN: Readonly<Record<EmulatorErrorCode, CodeSpec>> = {
  NotFound: { status: 404, code: 'InvalidInstanceId.NotFound', message: 'The specified InstanceId does not exist.' },
  IncorrectState: { status: 403, code: 'IncorrectInstanceStatus', message: 'The current status of the resource does not support this operation.' },
  NoStock: {
    status: 403,
    code: 'OperationDenied.NoStock',
    message: 'The requested resource is sold out in the specified zone; try other types of resources or other regions and zones.',
  },
  QuotaExceeded: { status: 403, code: 'QuotaExceed.ElasticQuota', message: 'The number of instances has exceeded the quota.' },
  Throttled: { status: 400, code: 'Throttling.User', message: 'Request was denied due to user flow control.' },
  InvalidParameter: { status: 400, code: 'InvalidParameter', message: 'The specified parameter is not valid.' },
  Internal: { status: 500, code: 'InternalError', message: 'The request processing has failed due to some unknown error, exception or failure.' },
};

/** The core's finer `reason` for InvalidParameter → ECS's more specific codes. */
const INVALID_PARAMETER_REASONS: Readonly<Record<string, CodeSpec>> = {
  IdempotentParameterMismatch: {
    status: 400,
    code: 'IdempotentParameterMismatch',
    message: 'The specified parameters are different from before while using an already used ClientToken.',
  },
  Region: { status: 404, code: 'InvalidRegionId.NotFound', message: 'The specified RegionId does not exist.' },
  Zone: { status: 404, code: 'InvalidZoneId.NotFound', message: 'The specified ZoneId does not exist.' },
  InstanceType: { status: 400, code: 'InvalidInstanceType.ValueNotSupported', message: 'The specified InstanceType does not exist or beyond the permitted range.' },
  Image: { status: 404, code: 'InvalidImageId.NotFound', message: 'The specified ImageId does not exist.' },
};

export function fromEmulatorError(err: EmulatorError): AliyunApiError {
  const spec = (err.code === 'InvalidParameter' && err.reason && INVALID_PARAMETER_REASONS[err.reason]) || NEUTRAL_TO_ALIYUN[err.code];
  // ECS's generic text first, the emulator's specifics after: tests and humans both want the detail.
  return new AliyunApiError(spec.status, spec.code, `${spec.message} (${err.message})`, err.retryAfterSeconds);
}

export function throttled(retryAfterSeconds: number): AliyunApiError {
  const spec = NEUTRAL_TO_ALIYUN.Throttled;
  return new AliyunApiError(spec.status, spec.code, spec.message, retryAfterSeconds);
}

export function internalError(status: number, detail: string): AliyunApiError {
  const code = status === 503 ? 'ServiceUnavailable' : 'InternalError';
  return new AliyunApiError(status, code, `${NEUTRAL_TO_ALIYUN.Internal.message} (${detail})`);
}

export function missingParameter(name: string): AliyunApiError {
  return new AliyunApiError(400, 'MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
}

export function invalidParameter(name: string, detail: string): AliyunApiError {
  return new AliyunApiError(400, 'InvalidParameter', `The specified parameter "${name}" is not valid: ${detail}`);
}

/** ECS's Content-Type, byte for byte (Express would rewrite it to `application/json; charset=utf-8`). */
export const ECS_CONTENT_TYPE = 'application/json;charset=utf-8';

/** Every ECS answer, success or error: JSON with ECS's exact Content-Type. */
export function sendAliyunJson(res: Response, status: number, body: Record<string, unknown>): void {
  res.statusCode = status;
  res.setHeader('Content-Type', ECS_CONTENT_TYPE);
  res.end(JSON.stringify(body));
}

export function sendAliyunError(res: Response, err: AliyunApiError, requestId: string, hostId: string): void {
  if (err.retryAfterSeconds !== undefined) res.setHeader('x-acs-retry-after', String(Math.round(err.retryAfterSeconds * 1000)));
  sendAliyunJson(res, err.status, {
    RequestId: requestId,
    HostId: hostId,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=Ecs&requestId=${requestId}`,
  });
}
