import { HAPPY_PAIRING_STATES, VIBEBOX_ACTIONS, VIBEBOX_STATUSES, VIBEBOX_STEPS } from '../../workflows/definitions';
import { ResourceStatus } from '../../providers/types';
import {
  ALLOWED_ACTIONS,
  assertHappyStep,
  assertTransition,
  canPerform,
  FIRST_STEP,
  HAPPY_STEPS,
  IllegalHappyStepError,
  IllegalTransitionError,
  SETTLES_TO,
  statusFromProvider,
  TRANSITIONAL_STATUS,
} from '../../workflows/transitions';

describe('transition table (seed: 状态转换规则)', () => {
  it('running boxes may stop, restart or delete; nothing else', () => {
    expect([...ALLOWED_ACTIONS.active].sort()).toEqual(['delete', 'restart', 'stop']);
  });

  it('stopped boxes may start or delete', () => {
    expect([...ALLOWED_ACTIONS.stopped].sort()).toEqual(['delete', 'start']);
  });

  it('error boxes may retry or delete', () => {
    expect([...ALLOWED_ACTIONS.error].sort()).toEqual(['delete', 'retry']);
  });

  it('provisioning boxes may only be deleted (no dead end while a create hangs)', () => {
    expect(ALLOWED_ACTIONS.provisioning).toEqual(['delete']);
  });

  it.each(['starting', 'stopping', 'restarting', 'deleting', 'deleted'] as const)(
    '%s allows no action: wait for it to settle',
    (status) => {
      for (const action of VIBEBOX_ACTIONS) expect(canPerform(status, action)).toBe(false);
    },
  );

  it('an illegal request is rejected with its reason', () => {
    expect(() => assertTransition('stopped', 'stop')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('stopped', 'stop')).toThrow('cannot stop a VibeBox that is stopped (allowed: start, delete)');
    expect(() => assertTransition('deleting', 'delete')).toThrow('wait for it to settle');
  });

  it('every action moves the box to a transitional status that allows nothing but delete', () => {
    for (const action of VIBEBOX_ACTIONS) {
      const next = TRANSITIONAL_STATUS[action];
      expect(VIBEBOX_STATUSES).toContain(next);
      expect(ALLOWED_ACTIONS[next].filter((a) => a !== 'delete')).toEqual([]);
    }
  });
});

describe('what a box is when an operation did not finish, from the provider status', () => {
  it('running is active, stopped is stopped, anything else (or unknown) is error', () => {
    expect(statusFromProvider(ResourceStatus.RUNNING)).toBe('active');
    expect(statusFromProvider(ResourceStatus.STOPPED)).toBe('stopped');
    expect(statusFromProvider(ResourceStatus.STOPPING)).toBe('error');
    expect(statusFromProvider(undefined)).toBe('error');
  });

  it('a provider still stopping or starting is waited for, to where it is going', () => {
    expect(SETTLES_TO[ResourceStatus.STOPPING]).toBe(ResourceStatus.STOPPED);
    expect(SETTLES_TO[ResourceStatus.STARTING]).toBe(ResourceStatus.RUNNING);
    expect(SETTLES_TO[ResourceStatus.RUNNING]).toBeUndefined();
  });
});

describe('the step a box is at on entering a status', () => {
  it('settled statuses have settled steps a client can stop waiting on', () => {
    expect([FIRST_STEP.active, FIRST_STEP.stopped, FIRST_STEP.error, FIRST_STEP.deleted]).toEqual(['ready', 'stopped', 'failed', 'deleted']);
  });
  it('provisioning starts by selecting; every other transitional status is its own step', () => {
    expect(FIRST_STEP.provisioning).toBe('selecting');
    for (const action of VIBEBOX_ACTIONS.filter((a) => a !== 'retry')) expect(FIRST_STEP[TRANSITIONAL_STATUS[action]]).toBe(TRANSITIONAL_STATUS[action]);
  });
  it('every status has a step from the published list', () => {
    for (const status of VIBEBOX_STATUSES) expect(VIBEBOX_STEPS).toContain(FIRST_STEP[status]);
  });
});

describe('Happy pairing steps (they run in the box over SSH)', () => {
  it('only an active box may be paired or unpaired', () => {
    for (const status of VIBEBOX_STATUSES) {
      for (const step of HAPPY_STEPS) {
        const allowed = (() => {
          try {
            assertHappyStep(step, status, 'unpaired');
            return true;
          } catch (err) {
            expect(err).toBeInstanceOf(IllegalHappyStepError);
            return false;
          }
        })();
        expect({ status, step, allowed }).toEqual({ status, step, allowed: status === 'active' });
      }
    }
    expect(() => assertHappyStep('pairHappy', 'stopped', 'unpaired')).toThrow('cannot pair Happy on a VibeBox that is stopped (it must be active)');
  });

  it('a paired box is not paired again (unpair first); every other pairing state may ask anew', () => {
    expect(() => assertHappyStep('pairHappy', 'active', 'paired')).toThrow('Happy is already paired on this VibeBox (unpair it first)');
    for (const state of ['unpaired', 'waiting', 'expired', 'refused'] as const) expect(() => assertHappyStep('pairHappy', 'active', state)).not.toThrow();
    for (const state of HAPPY_PAIRING_STATES) expect(() => assertHappyStep('unpairHappy', 'active', state)).not.toThrow();
  });
});
