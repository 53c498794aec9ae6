/**
 * Activities hold no policy: they turn a ProviderError into an ApplicationFailure whose type is
 * the error's kind, with the cloud's code, request id and retry-after as details, and let the
 * workflow decide. Messages are redacted on the way out (history must never hold a secret).
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { redactText } from '../lib/redact';
import type { FailureDetails, FailureKind } from '../providers/calls';
import { isProviderError } from '../providers/errors';

export function toApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (isProviderError(err)) {
    const details: FailureDetails = { code: err.code, requestId: err.requestId, retryAfterSeconds: err.retryAfterSeconds, createAccepted: err.createAccepted };
    const type: FailureKind = err.kind;
    return ApplicationFailure.create({
      type,
      message: redactText(err.message),
      details: [details],
      // Retries are the workflow's decision (policies.ts), never the server's.
      nonRetryable: true,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  const type: FailureKind = 'Transient';
  return ApplicationFailure.create({ type, message: redactText(message), nonRetryable: true });
}

/**
 * Runs `fn`, rethrowing any failure as an ApplicationFailure typed by kind — except a
 * cancellation, which must stay a CancelledFailure for Temporal to report the activity cancelled.
 */
export async function asActivity<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CancelledFailure) throw err;
    throw toApplicationFailure(err);
  }
}
