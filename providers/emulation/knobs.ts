/**
 * The settings a test turns to make an emulated cloud slow or broken in time: how long each
 * transition takes, which transitions are frozen ("stuck"), and how many launches fail. All
 * also reachable through the control API.
 */
import type { Delays, Transition } from './model';

/** Short, for tests and local use; a cloud emulator may pass its own. */
export const DEFAULT_DELAYS: Delays = { create: 800, start: 500, stop: 500, reboot: 600, delete: 300 };

export class Knobs {
  private delays: Delays;
  private readonly stuck = new Set<string>();
  private launchFailures = 0;

  constructor(private readonly initialDelays: Partial<Delays> = {}) {
    this.delays = { ...DEFAULT_DELAYS, ...initialDelays };
  }

  delayOf(transition: Transition): number {
    return this.delays[transition];
  }

  /** Applies to transitions that begin afterwards. */
  setDelays(patch: Partial<Delays>): Delays {
    this.delays = { ...this.delays, ...patch };
    return this.getDelays();
  }

  getDelays(): Delays {
    return { ...this.delays };
  }

  /** Freezes `transition` for every instance, or for one. */
  setStuck(transition: Transition, on: boolean, instanceId?: string): void {
    const key = instanceId ? `${transition}:${instanceId}` : transition;
    if (on) this.stuck.add(key);
    else this.stuck.delete(key);
  }

  isStuck(transition: Transition, instanceId: string): boolean {
    return this.stuck.has(transition) || this.stuck.has(`${transition}:${instanceId}`);
  }

  failNextLaunches(count: number): void {
    this.launchFailures = Math.max(0, Math.floor(count));
  }

  /** True when this launch is one of those set to fail (and counts it). */
  takeLaunchFailure(): boolean {
    if (this.launchFailures <= 0) return false;
    this.launchFailures--;
    return true;
  }

  reset(): void {
    this.stuck.clear();
    this.launchFailures = 0;
    this.delays = { ...DEFAULT_DELAYS, ...this.initialDelays };
  }
}
