/**
 * A heartbeat timeout reads as a lost worker (code WorkerLost), which withRetries re-runs whatever
 * the step's rule; other timeouts keep their old reading. The end-to-end proof is
 * tests/e2e/cluster.test.ts, which SIGKILLs the worker running a single-try wait.
 */
import { ActivityFailure, TimeoutFailure } from '@temporalio/common';
import { classify, WORKER_LOST } from '../../workflows/failures';
import { policies } from '../../workflows/policies';

const activityTimedOut = (timeoutType: 'HEARTBEAT' | 'START_TO_CLOSE') =>
  new ActivityFailure('activity timed out', 'waitForStatus', '5', 'TIMEOUT', 'worker@host', new TimeoutFailure('activity timed out', undefined, timeoutType));

it('reads a heartbeat timeout as a lost worker', () => {
  expect(classify(activityTimedOut('HEARTBEAT'))).toMatchObject({ kind: 'Transient', code: WORKER_LOST, message: expect.stringMatching(/waitForStatus.*worker was lost/) });
});

it('keeps a start-to-close timeout an ordinary timeout (the step itself ran too long)', () => {
  expect(classify(activityTimedOut('START_TO_CLOSE'))).toMatchObject({ kind: 'Transient', code: 'ActivityTimeout' });
});

it('re-runs a step more than once after losing its worker, and not forever', () => {
  expect(policies.workerLoss.maxAttempts).toBeGreaterThan(1);
  expect(policies.workerLoss.maxAttempts).toBeLessThan(10);
});
