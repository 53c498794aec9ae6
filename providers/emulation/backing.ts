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
}

/** Documentation ranges (RFC 5737): clearly fake, never routed. */
const DOC_RANGES = ['198.51.100', '203.0.113', '192.0.2'];

export class NoBacking implements InstanceBacking {
  readonly kind = 'none' as const;
  private next = 0;

  async create(): Promise<BackingResult> {
    const n = this.next++;
    const range = DOC_RANGES[Math.floor(n / 254) % DOC_RANGES.length];
    return { publicIp: `${range}.${(n % 254) + 1}`, sshPort: 22 };
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async reboot(): Promise<void> {}
  async delete(): Promise<void> {}
}
