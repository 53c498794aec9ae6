/**
 * The one error the emulation core throws. Codes are cloud-neutral on purpose: each cloud
 * emulator maps them to its own code, HTTP status and envelope (e.g. NoStock →
 * `OperationDenied.NoStock` 403 on Aliyun, `ResourceInsufficient.SpecifiedInstanceType` in a
 * 200 envelope on Tencent).
 */

export const EMULATOR_ERROR_CODES = [
  'NotFound',
  'IncorrectState',
  'NoStock',
  'QuotaExceeded',
  'Throttled',
  'InvalidParameter',
  'Internal',
] as const;
export type EmulatorErrorCode = (typeof EMULATOR_ERROR_CODES)[number];

export interface EmulatorErrorDetails {
  /** Throttled: seconds the client should wait (clouds send it as a header or field). */
  retryAfterSeconds?: number;
  /** Finer reason a cloud may want to render differently, e.g. 'IdempotentParameterMismatch'. */
  reason?: string;
  /** IncorrectState: the state the instance was in, so the cloud can pick e.g. `…InstanceStateStopped`. */
  state?: string;
  instanceId?: string;
}

export class EmulatorError extends Error {
  readonly code: EmulatorErrorCode;
  readonly retryAfterSeconds?: number;
  readonly reason?: string;
  readonly state?: string;
  readonly instanceId?: string;

  constructor(code: EmulatorErrorCode, message: string, details: EmulatorErrorDetails = {}) {
    super(message);
    this.name = 'EmulatorError';
    this.code = code;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.reason = details.reason;
    this.state = details.state;
    this.instanceId = details.instanceId;
  }
}

export function isEmulatorError(err: unknown): err is EmulatorError {
  return err instanceof EmulatorError;
}
