/** How the workflow reads an activity failure: the kind the activity stamped on it, and its details. */
import { ActivityFailure, ApplicationFailure, isCancellation, TimeoutFailure } from '@temporalio/workflow';
import { FailureDetails, FailureKind, isFailureKind } from '../providers/calls';

export interface Failure extends Pick<FailureDetails, 'code' | 'retryAfterSeconds' | 'createAccepted'> {
  kind: FailureKind;
  message: string;
}

/**
 * The code of a heartbeat timeout: the worker running the activity stopped answering (killed,
 * restarted, cut off). It says nothing about the operation itself; withRetries runs the step again.
 */
export const WORKER_LOST = 'WorkerLost';

/** Raised inside the workflow when an operation gave up; carries the classified failure. */
export class OperationFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = 'OperationFailed';
  }
}

export function classify(err: unknown): Failure {
  if (err instanceof OperationFailed) return err.failure;
  // Cancellation (of the workflow, or of an activity because of it) is not a failure to handle.
  if (isCancellation(err)) throw err;
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const details = (cause.details?.[0] ?? {}) as FailureDetails;
      // A type that is no kind of ours (a bug, or a foreign failure) is treated as transient.
      const kind = isFailureKind(cause.type) ? cause.type : 'Transient';
      return { kind, message: cause.message, code: details.code, retryAfterSeconds: details.retryAfterSeconds, createAccepted: details.createAccepted };
    }
    if (cause instanceof TimeoutFailure && cause.timeoutType === 'HEARTBEAT') {
      return { kind: 'Transient', message: `${err.activityType} stopped heartbeating (its worker was lost)`, code: WORKER_LOST };
    }
    if (cause instanceof TimeoutFailure) return { kind: 'Transient', message: `${err.activityType} timed out`, code: 'ActivityTimeout' };
    return { kind: 'Transient', message: cause?.message ?? err.message };
  }
  return { kind: 'Transient', message: err instanceof Error ? err.message : String(err) };
}
