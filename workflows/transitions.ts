/**
 * The seed's state transition table (状态转换规则) as data. Update validators consult it, so an
 * illegal request is rejected with its reason and never queued.
 */
import type { VibeBoxAction, VibeBoxStatus } from './definitions';

/** Which actions each status allows. Transitional statuses allow none: wait for them to settle. */
export const ALLOWED_ACTIONS: Record<VibeBoxStatus, readonly VibeBoxAction[]> = {
  provisioning: [], // CREATING: wait
  active: ['stop', 'restart', 'delete'], // RUNNING
  stopped: ['start', 'delete'], // STOPPED
  starting: [], // STARTING: wait
  stopping: [], // STOPPING: wait
  restarting: [], // STOPPING → STOPPED → STARTING: wait
  deleting: [], // DELETING: wait
  deleted: [],
  error: ['retry', 'delete'], // ERROR: retry or delete
};

/** The status an accepted action moves the box into at once. */
export const TRANSITIONAL_STATUS: Record<VibeBoxAction, VibeBoxStatus> = {
  start: 'starting',
  stop: 'stopping',
  restart: 'restarting',
  delete: 'deleting',
  retry: 'provisioning',
};

export class IllegalTransitionError extends Error {
  constructor(
    readonly action: VibeBoxAction,
    readonly status: VibeBoxStatus,
  ) {
    super(
      `cannot ${action} a VibeBox that is ${status}` +
        (ALLOWED_ACTIONS[status].length ? ` (allowed: ${ALLOWED_ACTIONS[status].join(', ')})` : ' (wait for it to settle)'),
    );
    this.name = 'IllegalTransitionError';
  }
}

export function canPerform(status: VibeBoxStatus, action: VibeBoxAction): boolean {
  return ALLOWED_ACTIONS[status].includes(action);
}

export function assertTransition(status: VibeBoxStatus, action: VibeBoxAction): void {
  if (!canPerform(status, action)) throw new IllegalTransitionError(action, status);
}
