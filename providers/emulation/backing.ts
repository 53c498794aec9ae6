/**
 * What stands behind an emulated instance. With Docker, a real VibeBox container (so the
 * address and SSH port an adapter reads from the emulated cloud really accept SSH); without,
 * nothing — addresses from the documentation ranges that nobody can reach.
 */
import Docker from 'dockerode';
import { createLogger, Logger } from '../../lib/logger';
import { BASE_IMAGE } from '../docker/specMap';
import { DockerBacking } from './dockerBacking';
import type { EmulatedInstance } from './instances';

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

export interface DetectBackingOptions {
  /** Cloud name for container labels and names: 'aliyun' | 'tencent' | 'chinamobile'. */
  cloud: string;
  socketPath?: string;
  image?: string;
  /** How long to wait for the engine's ping before settling for NoBacking. */
  pingTimeoutMs?: number;
  /** Defaults to process.env.VIBEBOX_EMULATOR_BACKING: 'none' | 'docker' | unset (auto). */
  override?: string;
  logger?: Logger;
}

/**
 * DockerBacking when an engine answers and the base image exists, else NoBacking.
 * `VIBEBOX_EMULATOR_BACKING=none` skips Docker; `=docker` insists on it and throws if unusable.
 */
export async function detectBacking(opts: DetectBackingOptions): Promise<InstanceBacking> {
  const log = opts.logger ?? createLogger('emulator', { cloud: opts.cloud });
  const override = (opts.override ?? process.env.VIBEBOX_EMULATOR_BACKING ?? '').trim().toLowerCase();
  if (override === 'none') return new NoBacking();
  const image = opts.image ?? BASE_IMAGE;
  const docker = new Docker({ socketPath: opts.socketPath ?? '/var/run/docker.sock' });
  const problem = await dockerProblem(docker, image, opts.pingTimeoutMs ?? 1500);
  if (!problem) {
    log.info('emulated instances are backed by Docker containers', { image });
    return new DockerBacking({ docker, cloud: opts.cloud, image, logger: log });
  }
  if (override === 'docker') throw new Error(`Docker backing was required (VIBEBOX_EMULATOR_BACKING=docker) but ${problem}`);
  log.info('emulated instances have no real machine behind them', { reason: problem });
  return new NoBacking();
}

async function dockerProblem(docker: Docker, image: string, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
  } catch (err) {
    return `the Docker engine does not answer (${(err as Error).message})`;
  } finally {
    clearTimeout(timer);
  }
  try {
    await docker.getImage(image).inspect();
  } catch {
    return `image ${image} is not present`;
  }
  return undefined;
}
