/**
 * What stands behind an emulated instance. The core knows only this interface and NoBacking
 * (addresses from the documentation ranges that nobody can reach); a real machine behind each
 * instance (providers/docker/emulatorBacking.ts: a VibeBox container answering SSH) is plugged
 * in from above, so the core stays free of any provider.
 */
import type { EmulatedInstance } from './model';

export interface BackingResult {
  publicIp: string;
  sshPort: number;
  /** Container id, or undefined when nothing real backs the instance. */
  backingId?: string;
}

/** A machine found behind an instance when an emulator restarts over its saved state. */
export interface AdoptedMachine extends BackingResult {
  running: boolean;
}

/**
 * Called by EmulatedCloud as instances change state; calls for one instance are serialized.
 * A rejection puts the instance in 'error' — it never crashes the emulator.
 */
export interface InstanceBacking {
  readonly kind: 'none' | 'docker';
  create(instance: EmulatedInstance, password: string): Promise<BackingResult>;
  start(instance: EmulatedInstance): Promise<void>;
  stop(instance: EmulatedInstance, force: boolean): Promise<void>;
  reboot(instance: EmulatedInstance, force: boolean): Promise<void>;
  /** Must succeed when the backing is already gone. */
  delete(instance: EmulatedInstance): Promise<void>;
  /** Removes everything this backing ever made (reset, shutdown). */
  purge?(): Promise<void>;
  /**
   * The machine already behind `instance` — made by this backing in an earlier emulator process
   * over the same state — or undefined when there is none (it vanished, or was never made).
   */
  adopt?(instance: EmulatedInstance): Promise<AdoptedMachine | undefined>;
  /** Removes the machines this backing made for instances not in `keep`; says how many. */
  sweep?(keep: ReadonlySet<string>): Promise<number>;
}

/** Documentation ranges (RFC 5737): clearly fake, never routed. */
const DOC_RANGES = ['198.51.100', '203.0.113', '192.0.2'];

export class NoBacking implements InstanceBacking {
  readonly kind = 'none' as const;
  private next = 0;
  /** Addresses adopted from a saved state: a restarted emulator hands out none of them again. */
  private readonly adopted = new Set<string>();

  async create(): Promise<BackingResult> {
    for (;;) {
      const n = this.next++;
      const range = DOC_RANGES[Math.floor(n / 254) % DOC_RANGES.length];
      const publicIp = `${range}.${(n % 254) + 1}`;
      if (!this.adopted.has(publicIp)) return { publicIp, sshPort: 22 };
    }
  }

  /** Nothing real to find: an instance whose address was given out is "there", running or not as its record says. */
  async adopt(instance: EmulatedInstance): Promise<AdoptedMachine | undefined> {
    if (!instance.publicIp) return undefined;
    this.adopted.add(instance.publicIp);
    return { publicIp: instance.publicIp, sshPort: instance.sshPort, running: instance.state !== 'stopped' };
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async reboot(): Promise<void> {}
  async delete(): Promise<void> {}
}
