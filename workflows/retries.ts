/**
 * The workflow's retry rules, applied to any step: Transient (and a rule's `alsoRetry` kinds) n
 * times, `interval` apart; Throttled on its own 1-2-4-8 s backoff; a lost worker (heartbeat
 * timeout) up to `workerLoss.maxAttempts` times whatever the step's rule, since it is no verdict
 * on the step; everything else gives up at once. Waits are workflow timers, so they show in the
 * history and survive worker restarts.
 */
import * as wf from '@temporalio/workflow';
import { classify, OperationFailed, WORKER_LOST } from './failures';
import { ForcedOperationPolicy, Policies, RetryRule, throttleDelay } from './policies';

/** One attempt, no retries (Throttled still backs off). */
export const SINGLE_TRY: RetryRule = { maxAttempts: 1, interval: 0 };

export interface RetryBounds {
  /** Workflow time (ms) by which the step must be done: no retry starts whose wait would pass it. */
  deadline?: number;
}

export async function withRetries<T>(P: Policies, rule: RetryRule, fn: () => Promise<T>, bounds: RetryBounds = {}): Promise<T> {
  let attempts = 0;
  let throttled = 0;
  let workersLost = 0;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const f = classify(err);
      const fitsBefore = (wait: number) => bounds.deadline === undefined || Date.now() + wait < bounds.deadline;
      if (f.kind === 'Throttled' && ++throttled < P.throttling.maxAttempts) {
        const wait = throttleDelay(throttled, f.retryAfterSeconds, P.throttling);
        if (fitsBefore(wait)) {
          await wf.sleep(wait);
          continue;
        }
      }
      // The heartbeat timeout already waited: run the step again at once, on whichever worker polls.
      if (f.code === WORKER_LOST && ++workersLost < P.workerLoss.maxAttempts && fitsBefore(0)) {
        wf.log.warn('worker lost; running the step again', { message: f.message, attempt: workersLost, of: P.workerLoss.maxAttempts });
        continue;
      }
      if ((f.kind === 'Transient' || rule.alsoRetry?.includes(f.kind)) && ++attempts < rule.maxAttempts && fitsBefore(rule.interval)) {
        wf.log.warn('retrying', { kind: f.kind, message: f.message, attempt: attempts, of: rule.maxAttempts });
        await wf.sleep(rule.interval);
        continue;
      }
      throw new OperationFailed(f);
    }
  }
}

/** The seed's "graceful, then force after the timeout" shape, for stop and delete. */
export async function gracefulThenForced(
  policy: ForcedOperationPolicy,
  label: string,
  run: (force: boolean, timeoutMs: number) => Promise<void>,
): Promise<void> {
  try {
    await run(false, policy.timeout);
  } catch (err) {
    if (!policy.forceAfterTimeout) throw err;
    wf.log.warn(`${label} did not finish; forcing`, { reason: classify(err).message });
    await run(true, policy.forceTimeout);
  }
}
