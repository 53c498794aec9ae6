/**
 * Activities hold no policy: they turn a ProviderError into an ApplicationFailure whose type is
 * the error's kind, with the cloud's code, request id and retry-after as details, and let the
 * workflow decide. Messages are redacted on the way out (history must never hold a secret).
 */
import { ApplicationFailure } from '@temporalio/common';
import { isProviderError } from '../providers/errors';
import { redactText } from '../lib/redact';

export interface FailureDetails {
  code?: string;
  requestId?: string;
  retryAfterSeconds?: number;
}

export function toApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (isProviderError(err)) {
    const details: FailureDetails = { code: err.code, requestId: err.requestId, retryAfterSeconds: err.retryAfterSeconds };
    return ApplicationFailure.create({
      type: err.kind,
      message: redactText(err.message),
      details: [details],
      // Retries are the workflow's decision (policies.ts), never the server's.
      nonRetryable: true,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: 'Transient', message: redactText(message), nonRetryable: true });
}

/** Runs `fn`, rethrowing any failure as an ApplicationFailure typed by kind. */
export async function asActivity<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApplicationFailure(err);
  }
}
