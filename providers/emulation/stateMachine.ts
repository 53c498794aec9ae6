/**
 * The instance state machine and its timed transitions. An operation checks the instance's
 * state, moves it to the transitional state at once (as a cloud API returns before the work is
 * done), and completes only when both its delay has passed and the backing (Docker container,
 * or nothing) has done its part — unless the transition is stuck. A backing failure puts the
 * instance in 'error'; it never crashes the emulator.
 */
import type { Logger } from '../../lib/logger';
import type { InstanceBacking } from './backing';
import { EmulatorError } from './errors';
import type { Knobs } from './knobs';
import { EmulatedInstance, InstanceState, TRANSITIONAL_STATES, Transition, snapshot } from './model';

/** An instance as the core keeps it: what listings show, plus what only the core may see. */
export interface InstanceRecord {
  inst: EmulatedInstance;
  password: string;
  /** Bumped by every new transition: a completion from an older one is ignored. */
  seq: number;
  op?: RunningOp;
  /** Backing calls for one instance run one after another (a forced delete waits for the create). */
  backingChain: Promise<unknown>;
}

/** A transition under way; `startedAt` and `delayMs` let a restarted emulator finish it on time. */
export interface RunningOp {
  transition: Transition;
  target: InstanceState;
  delayDone: boolean;
  backingDone: boolean;
  timer: NodeJS.Timeout;
  forced: boolean;
  startedAt: number;
  delayMs: number;
}

export function newRecord(inst: EmulatedInstance, password: string): InstanceRecord {
  return { inst, password, seq: 0, backingChain: Promise.resolve() };
}

export interface StateMachineHooks {
  knobs: Knobs;
  backing: InstanceBacking;
  log: Logger;
  /** Every state change, with a snapshot of the instance. */
  changed(inst: EmulatedInstance): void;
  /** A delete completed: the instance is about to be reported 'deleted' and must be forgotten. */
  gone(rec: InstanceRecord): void;
}

export class InstanceStateMachine {
  constructor(private readonly hooks: StateMachineHooks) {}

  create(rec: InstanceRecord): void {
    const failLaunch = this.hooks.knobs.takeLaunchFailure();
    this.begin(rec, 'create', 'pending', 'running', () => this.launch(rec, failLaunch));
  }

  start(rec: InstanceRecord): void {
    expectState(rec, ['stopped'], 'start');
    this.begin(rec, 'start', 'starting', 'running', this.work(rec, 'start', false));
  }

  /** Stopping an already stopped instance is IncorrectState: the cloud layer decides if its cloud tolerates it. */
  stop(rec: InstanceRecord, force: boolean): void {
    // A forced stop also takes an instance whose graceful stop hangs: that is what it is for.
    expectState(rec, force ? ['running', 'stopping'] : ['running'], 'stop');
    this.begin(rec, 'stop', 'stopping', 'stopped', this.work(rec, 'stop', force), force);
  }

  reboot(rec: InstanceRecord, force: boolean): void {
    expectState(rec, ['running'], 'reboot');
    this.begin(rec, 'reboot', 'rebooting', 'running', this.work(rec, 'reboot', force));
  }

  /**
   * Without force only a stopped (or failed) instance; with force also a running one or one in
   * any transition (that transition is abandoned). Deleting one already 'deleting' is a no-op.
   */
  delete(rec: InstanceRecord, force: boolean): void {
    if (rec.inst.state === 'deleting') return;
    expectState(rec, force ? ['stopped', 'running', 'error', ...TRANSITIONAL_STATES] : ['stopped', 'error'], 'delete');
    this.begin(rec, 'delete', 'deleting', 'deleted', this.work(rec, 'delete', force), force);
  }

  /**
   * Picks up a transition a previous emulator process left under way (the record is already in
   * its transitional state): the rest of its delay, and its backing work again — idempotent, and
   * a create first looks for the machine it may already have made.
   */
  resume(rec: InstanceRecord, op: Pick<RunningOp, 'transition' | 'target' | 'forced' | 'startedAt' | 'delayMs'>): void {
    const work = op.transition === 'create' ? () => this.launch(rec, false) : this.work(rec, op.transition, op.forced);
    this.run(rec, op.transition, op.target, work, op.forced, op.startedAt, op.delayMs);
  }

  /** Completes the transition under way if its delay and backing are done and it is not stuck. */
  tryFinish(rec: InstanceRecord): void {
    const op = rec.op;
    if (!op || !op.delayDone || !op.backingDone) return;
    if (!op.forced && this.hooks.knobs.isStuck(op.transition, rec.inst.id)) return;
    rec.op = undefined;
    rec.seq++;
    rec.inst.transition = undefined;
    if (op.target === 'deleted') this.hooks.gone(rec);
    rec.inst.state = op.target;
    this.hooks.changed(snapshot(rec.inst));
  }

  /** Stops the record's timer: the instance freezes where it is (shutdown, reset). */
  freeze(rec: InstanceRecord): void {
    if (rec.op) clearTimeout(rec.op.timer);
    rec.seq++;
    rec.op = undefined;
  }

  /** `forced` operations are not frozen by a stuck transition: forcing is how a stuck one is escaped. */
  private begin(rec: InstanceRecord, transition: Transition, during: InstanceState, target: InstanceState, work: () => Promise<void>, forced = false): void {
    rec.inst.state = during;
    rec.inst.transition = transition;
    this.run(rec, transition, target, work, forced, Date.now(), this.hooks.knobs.delayOf(transition));
    this.hooks.changed(snapshot(rec.inst));
  }

  /** Arms the transition's timer (what is left of its delay) and chains its backing work. */
  private run(rec: InstanceRecord, transition: Transition, target: InstanceState, work: () => Promise<void>, forced: boolean, startedAt: number, delayMs: number): void {
    if (rec.op) clearTimeout(rec.op.timer);
    const seq = ++rec.seq;
    const timer = setTimeout(
      () => {
        if (rec.seq !== seq || !rec.op) return;
        rec.op.delayDone = true;
        this.tryFinish(rec);
      },
      Math.max(0, startedAt + delayMs - Date.now()),
    );
    timer.unref(); // an emulator left running must not keep a test process alive
    rec.op = { transition, target, delayDone: false, backingDone: false, timer, forced, startedAt, delayMs };
    const chained = rec.backingChain.catch(() => undefined).then(work);
    rec.backingChain = chained;
    void chained.then(
      () => {
        if (rec.seq !== seq || !rec.op) return;
        rec.op.backingDone = true;
        this.tryFinish(rec);
      },
      (err: unknown) => {
        if (rec.seq !== seq) return;
        this.fail(rec, `${transition} failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  /** The backing's part of a launch; a machine an earlier emulator process already made is adopted, not made twice. */
  private async launch(rec: InstanceRecord, failLaunch: boolean): Promise<void> {
    if (failLaunch) {
      await new Promise((r) => setTimeout(r, this.hooks.knobs.delayOf('create')).unref());
      throw new Error('launch failed (injected)');
    }
    const { backing } = this.hooks;
    const adopted = await backing.adopt?.(snapshot(rec.inst));
    if (adopted && !adopted.running) await backing.start(snapshot({ ...rec.inst, publicIp: adopted.publicIp, backing: { kind: backing.kind, id: adopted.backingId } }));
    const made = adopted ?? (await backing.create(snapshot(rec.inst), rec.password));
    rec.inst.publicIp = made.publicIp;
    rec.inst.sshPort = made.sshPort;
    rec.inst.backing = { kind: backing.kind, id: made.backingId };
  }

  private work(rec: InstanceRecord, transition: Exclude<Transition, 'create'>, force: boolean): () => Promise<void> {
    const { backing } = this.hooks;
    switch (transition) {
      case 'start':
        return () => backing.start(snapshot(rec.inst));
      case 'stop':
        return () => backing.stop(snapshot(rec.inst), force);
      case 'reboot':
        return () => backing.reboot(snapshot(rec.inst), force);
      case 'delete':
        return () => backing.delete(snapshot(rec.inst));
    }
  }

  /** A backing failure: the instance goes to 'error' and stays there; the emulator goes on. */
  private fail(rec: InstanceRecord, reason: string): void {
    this.freeze(rec);
    rec.inst.state = 'error';
    rec.inst.transition = undefined;
    rec.inst.lastError = reason;
    this.hooks.log.error('emulated instance failed', { id: rec.inst.id, reason });
    this.hooks.changed(snapshot(rec.inst));
  }
}

function expectState(rec: InstanceRecord, allowed: readonly InstanceState[], verb: string): void {
  const { state, id } = rec.inst;
  if (!allowed.includes(state)) {
    throw new EmulatorError('IncorrectState', `cannot ${verb} instance ${id} while it is ${state}`, { state, instanceId: id });
  }
}
