/**
 * A Postgres step inside an activity waits out an outage instead of failing the activity: a
 * failed configure or create costs the box one of its few tries (policies.ts), and three of them
 * fit in a 30 s outage. The wait heartbeats (a quiet activity would look dead) and ends with the
 * activity's cancellation or the retry budget, which the worker passes down from policies.ts.
 */
import { Context } from '@temporalio/activity';
import { DatabaseRetry, whileDatabaseDown } from '../lib/db';

export type DatabaseStep = <T>(fn: () => Promise<T>) => Promise<T>;

export function databaseSteps(retry: DatabaseRetry): DatabaseStep {
  return (fn) => {
    const ctx = Context.current();
    return whileDatabaseDown(retry, fn, {
      onWait: () => ctx.heartbeat({ step: 'waiting for the database' }),
      signal: ctx.cancellationSignal,
    });
  };
}
