/**
 * Heartbeats on a clock, not only on progress: a quiet npm install or one slow cloud call must
 * not look like a dead worker, and only a heartbeat brings the activity news of its cancellation.
 */
import { Context } from '@temporalio/activity';

export const HEARTBEAT_EVERY_MS = 5_000;

export async function heartbeating<T>(details: () => unknown, fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat(details());
  const timer = setInterval(() => ctx.heartbeat(details()), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
