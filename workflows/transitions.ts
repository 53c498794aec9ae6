/**
 * The seed's state transition table (状态转换规则) as data. Update validators consult it, so an
 * illegal request is rejected with its reason and never queued.
 */
import { ResourceStatus } from '../providers/types';
import type { HappyPairingState, VibeBoxAction, VibeBoxStatus, VibeBoxStep } from './definitions';

/** Which actions each status allows. Transitional statuses allow none: wait for them to settle. */
export const ALLOWED_ACTIONS: Record<VibeBoxStatus, readonly VibeBoxAction[]> = {
  provisioning: ['delete'], // CREATING: wait — or delete, which stops the create and removes what it made
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

/**
 * The step a box is at when it enters a status (provisioning and the forced operations then move
 * it through further steps). Settled statuses have a settled step, so a client can tell "done".
 */
export const FIRST_STEP: Record<VibeBoxStatus, VibeBoxStep> = {
  provisioning: 'selecting',
  active: 'ready',
  stopping: 'stopping',
  stopped: 'stopped',
  starting: 'starting',
  restarting: 'restarting',
  deleting: 'deleting',
  deleted: 'deleted',
  error: 'failed',
};

/**
 * What a box is, judged by the provider's status, when an operation on it did not finish (seed
 * 场景2: query the state, then decide). A status not listed leaves the box `error`.
 */
export const STATUS_FROM_PROVIDER: Partial<Record<ResourceStatus, VibeBoxStatus>> = {
  [ResourceStatus.RUNNING]: 'active',
  [ResourceStatus.STOPPED]: 'stopped',
};

/**
 * A provider status on its way somewhere, and where: after a stop or start ran out of time the
 * workflow waits for the transition to end before judging the box (a slow stop is not a broken box).
 */
export const SETTLES_TO: Partial<Record<ResourceStatus, ResourceStatus>> = {
  [ResourceStatus.STOPPING]: ResourceStatus.STOPPED,
  [ResourceStatus.STARTING]: ResourceStatus.RUNNING,
};

export function statusFromProvider(status: ResourceStatus | undefined): VibeBoxStatus {
  return (status && STATUS_FROM_PROVIDER[status]) ?? 'error';
}

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

/**
 * The Happy pairing steps run in the box over SSH, so only a running box takes them; pairing a
 * box that is already paired is refused (unpair first). Checked by the Updates' validators.
 */
export const HAPPY_STEPS = ['pairHappy', 'unpairHappy'] as const;
export type HappyStep = (typeof HAPPY_STEPS)[number];

export const HAPPY_STEP_RULES: Record<HappyStep, { boxStatuses: readonly VibeBoxStatus[]; refusedWhen: readonly HappyPairingState[] }> = {
  pairHappy: { boxStatuses: ['active'], refusedWhen: ['paired'] },
  unpairHappy: { boxStatuses: ['active'], refusedWhen: [] },
};

const HAPPY_STEP_VERBS: Record<HappyStep, string> = { pairHappy: 'pair Happy on', unpairHappy: 'unpair Happy on' };

export class IllegalHappyStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IllegalHappyStepError';
  }
}

export function assertHappyStep(step: HappyStep, status: VibeBoxStatus, pairing: HappyPairingState): void {
  const rule = HAPPY_STEP_RULES[step];
  if (!rule.boxStatuses.includes(status)) {
    throw new IllegalHappyStepError(`cannot ${HAPPY_STEP_VERBS[step]} a VibeBox that is ${status} (it must be ${rule.boxStatuses.join(' or ')})`);
  }
  if (rule.refusedWhen.includes(pairing)) {
    throw new IllegalHappyStepError(`Happy is already ${pairing} on this VibeBox (unpair it first)`);
  }
}
