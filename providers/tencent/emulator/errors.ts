/**
 * The emulator's side of CVM errors: the API error it throws while serving an action (rendered
 * by index.ts as `{"Response":{"Error":{Code,Message},RequestId}}`), and how the core's neutral
 * EmulatorError codes read in Tencent's words. Codes marked *assumed* in
 * docs/providers/tencent.md are collected here.
 */
import type { Response } from 'express';
import { z } from 'zod';
import type { EmulatorError, InstanceState } from '../../emulation';
import { TENCENT_STATE_OF, send } from './render';

/** A Tencent API error, rendered as `{"Response":{"Error":{Code,Message},RequestId}}` with HTTP 200. */
export class TencentApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** 200 as CVM answers errors; only a played gateway failure (injected 5xx) differs. */
    readonly httpStatus = 200,
  ) {
    super(message);
    this.name = 'TencentApiError';
  }
}

/** `PENDING` → `Pending`, `LAUNCH_FAILED` → `LaunchFailed`: the suffix of UnsupportedOperation.InstanceState…. */
function pascal(state: string): string {
  return state
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

const PARAMETER_REASONS: Readonly<Record<string, string>> = {
  Region: 'UnsupportedRegion',
  Zone: 'InvalidZone.MismatchRegion',
  InstanceType: 'InvalidParameterValue.InstanceTypeNotFound',
  Image: 'InvalidImageId.NotFound',
  IdempotentParameterMismatch: 'InvalidParameterValue.ClientTokenMismatch',
};

export function fromEmulatorError(err: EmulatorError): TencentApiError {
  switch (err.code) {
    case 'NotFound':
      return new TencentApiError('InvalidInstanceId.NotFound', `The instance \`${err.instanceId ?? ''}\` does not exist.`);
    case 'IncorrectState': {
      const state = TENCENT_STATE_OF[(err.state ?? 'error') as InstanceState] ?? 'LAUNCH_FAILED';
      return new TencentApiError(`UnsupportedOperation.InstanceState${pascal(state)}`, `Unsupported operation: instance \`${err.instanceId ?? ''}\` is ${state}.`);
    }
    case 'NoStock':
      return new TencentApiError('ResourceInsufficient.SpecifiedInstanceType', err.message);
    case 'QuotaExceeded':
      return new TencentApiError('LimitExceeded.InstanceQuota', err.message);
    case 'Throttled':
      return new TencentApiError('RequestLimitExceeded', 'Your current request times exceed the frequency limit.');
    case 'InvalidParameter':
      return new TencentApiError((err.reason && PARAMETER_REASONS[err.reason]) || 'InvalidParameterValue', err.message);
    case 'Internal':
      return new TencentApiError('InternalError', err.message);
  }
}

/**
 * A request body that fails its schema: MissingParameter when the field is absent, else
 * InvalidParameterValue. The message names the field, never the value (it may be a password).
 */
export function fromZodError(err: z.ZodError, body: unknown): TencentApiError {
  const issue = err.issues[0];
  const path = issue.path.map(String).join('.');
  const present = issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), body);
  if (present === undefined) return new TencentApiError('MissingParameter', `The request is missing a required parameter \`${path}\`.`);
  return new TencentApiError('InvalidParameterValue', `The value of parameter \`${path}\` is invalid: ${issue.message}.`);
}

/** `{"Response":{"Error":{Code,Message},RequestId}}`, HTTP 200 as CVM answers errors (a played 5xx aside). */
export function sendError(res: Response, requestId: string, err: TencentApiError): void {
  send(res, requestId, { Error: { Code: err.code, Message: err.message } }, err.httpStatus);
}
