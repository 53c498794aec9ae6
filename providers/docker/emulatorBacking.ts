/**
 * Emulated instances as real VibeBox containers: the Docker provider's containers lent to the
 * cloud emulators (the emulation core knows only the InstanceBacking interface). An unmodified
 * cloud adapter assumes SSH on port 22 of the instance's public address, so each instance gets
 * its own loopback address (127.77.x.y — Linux routes all of 127.0.0.0/8 to lo) and the
 * container's port 22 is published on <thatIp>:22. Nothing but that address is needed by the
 * adapter: it sees a "cloud" IP that really answers SSH with the password it set.
 */
import net from 'node:net';
import os from 'node:os';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import Docker from 'dockerode';
import { Logger, createLogger } from '../../lib/logger';
import { AdoptedMachine, BackingResult, EmulatedInstance, InstanceBacking, NoBacking } from '../emulation';
import { LABEL_PROJECT, createBoxContainer, setRootPassword } from './boxContainer';
import { BASE_IMAGE, mapSpec } from './specMap';

export const LABEL_EMULATED = 'vibebox.emulated';
export const LABEL_EMULATOR_SESSION = 'vibebox.emulatorSession';
export const LABEL_INSTANCE_ID = 'vibebox.instanceId';
export const LABEL_SSH_IP = 'vibebox.sshIp';

export interface DockerBackingOptions {
  docker?: Docker;
  /** 'aliyun' | 'tencent' | 'chinamobile': labels and container names. */
  cloud: string;
  image?: string;
  /** First two octets of the loopback range instances get addresses from. */
  ipPrefix?: string;
  /** Seconds `docker stop` waits before killing on a non-forced stop. */
  stopTimeoutSeconds?: number;
  /** How long create/start/reboot wait for sshd's banner before reporting anyway. */
  sshReadyTimeoutMs?: number;
  /**
   * Labels this backing's containers; purge() and sweep() touch no other. Stable across restarts
   * for an emulator that keeps its state (sessionOfState), so the next process adopts them.
   * Default: a fresh one per process.
   */
  session?: string;
  logger?: Logger;
}

/** The Docker session of an emulator that keeps its state in `statePath`: one per state file, stable across restarts. */
export function sessionOfState(statePath: string): string {
  return `state-${createHash('sha256').update(path.resolve(statePath)).digest('hex').slice(0, 16)}`;
}

export class DockerBacking implements InstanceBacking {
  readonly kind = 'docker' as const;
  /** Labels every container of this emulator (run, or state file), so purge() and sweep() never touch another's. */
  readonly session: string;
  private readonly docker: Docker;
  private readonly image: string;
  private readonly ipPrefix: string;
  private readonly log: Logger;
  private readonly reserved = new Set<string>();
  // Start somewhere random in the /16 so parallel emulator processes rarely race for one address.
  private cursor = Math.floor(Math.random() * 250 * 254);

  constructor(private readonly opts: DockerBackingOptions) {
    this.session = opts.session ?? randomUUID();
    this.docker = opts.docker ?? new Docker({ socketPath: '/var/run/docker.sock' });
    this.image = opts.image ?? BASE_IMAGE;
    this.ipPrefix = opts.ipPrefix ?? '127.77';
    this.log = opts.logger ?? createLogger('emulator', { cloud: opts.cloud });
  }

  async create(instance: EmulatedInstance, password: string): Promise<BackingResult> {
    const taken = await this.addressesInUse();
    for (let attempt = 1; ; attempt++) {
      const ip = this.nextAddress(taken);
      this.reserved.add(ip);
      try {
        const box = await createBoxContainer(this.docker, {
          name: this.containerName(instance),
          image: this.image,
          limits: mapSpec({ cpu: Math.min(instance.cpu, os.cpus().length), memory: instance.memoryGiB, disk: instance.diskGiB }),
          labels: {
            ...instance.tags,
            [LABEL_PROJECT]: 'vibebox',
            [LABEL_EMULATED]: this.opts.cloud,
            [LABEL_EMULATOR_SESSION]: this.session,
            [LABEL_INSTANCE_ID]: instance.id,
            [LABEL_SSH_IP]: ip,
          },
          hostIp: ip,
          hostPort: 22,
        });
        await setRootPassword(this.docker, box.id, password);
        await this.waitForSsh(ip);
        return { publicIp: ip, sshPort: 22, backingId: box.id };
      } catch (err) {
        this.reserved.delete(ip);
        taken.add(ip);
        // Another process may have taken the address between our look and our bind.
        // A container created but never started (failed bind) is left behind by Docker: remove it.
        await this.removeContainer(this.containerName(instance)).catch(() => undefined);
        const busy = /already allocated|address already in use/i.test(String((err as Error).message));
        if (!busy || attempt >= 5) throw err;
      }
    }
  }

  async start(instance: EmulatedInstance): Promise<void> {
    await ignoreStatus(this.container(instance).start(), 304);
    await this.waitForSsh(instance.publicIp);
  }

  async stop(instance: EmulatedInstance, force: boolean): Promise<void> {
    await ignoreStatus(this.container(instance).stop({ t: force ? 0 : (this.opts.stopTimeoutSeconds ?? 5) }), 304);
  }

  async reboot(instance: EmulatedInstance, force: boolean): Promise<void> {
    await this.container(instance).restart({ t: force ? 0 : (this.opts.stopTimeoutSeconds ?? 5) });
    await this.waitForSsh(instance.publicIp);
  }

  async delete(instance: EmulatedInstance): Promise<void> {
    await this.removeContainer(instance.backing.id ?? this.containerName(instance));
    if (instance.publicIp) this.reserved.delete(instance.publicIp);
  }

  async purge(): Promise<void> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_EMULATOR_SESSION}=${this.session}`] } });
    await Promise.all(list.map((c) => this.removeContainer(c.Id)));
    this.reserved.clear();
  }

  /** The container an earlier process of this session made for `instance`, found by its labels. */
  async adopt(instance: EmulatedInstance): Promise<AdoptedMachine | undefined> {
    const [found] = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_EMULATOR_SESSION}=${this.session}`, `${LABEL_INSTANCE_ID}=${instance.id}`] },
    });
    const ip = found?.Labels[LABEL_SSH_IP];
    if (!found || !ip) return undefined;
    this.reserved.add(ip);
    return { publicIp: ip, sshPort: 22, backingId: found.Id, running: found.State === 'running' };
  }

  async sweep(keep: ReadonlySet<string>): Promise<number> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_EMULATOR_SESSION}=${this.session}`] } });
    const orphans = list.filter((c) => !keep.has(c.Labels[LABEL_INSTANCE_ID] ?? ''));
    await Promise.all(orphans.map((c) => this.removeContainer(c.Id)));
    for (const c of orphans) if (c.Labels[LABEL_SSH_IP]) this.reserved.delete(c.Labels[LABEL_SSH_IP]);
    return orphans.length;
  }

  private container(instance: EmulatedInstance): Docker.Container {
    return this.docker.getContainer(instance.backing.id ?? this.containerName(instance));
  }

  private containerName(instance: EmulatedInstance): string {
    return `vibebox-emu-${this.opts.cloud}-${instance.id}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
  }

  private async removeContainer(idOrName: string): Promise<void> {
    await ignoreStatus(this.docker.getContainer(idOrName).remove({ force: true }), 404);
  }

  /** Addresses bound by any emulator's containers (this process or another), plus our reservations. */
  private async addressesInUse(): Promise<Set<string>> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [LABEL_SSH_IP] } });
    const used = new Set(this.reserved);
    for (const c of list) if (c.Labels[LABEL_SSH_IP]) used.add(c.Labels[LABEL_SSH_IP]);
    return used;
  }

  private nextAddress(taken: Set<string>): string {
    for (let i = 0; i < 250 * 254; i++) {
      const n = this.cursor++ % (250 * 254);
      // x in 1..250, y in 1..254: skips 127.77.0.x and .255 so no address looks like a network/broadcast.
      const ip = `${this.ipPrefix}.${Math.floor(n / 254) + 1}.${(n % 254) + 1}`;
      if (!taken.has(ip) && !this.reserved.has(ip)) return ip;
    }
    throw new Error(`no free loopback address left in ${this.ipPrefix}.0.0/16`);
  }

  /** "Running" should mean SSH answers, as an adapter's configure step expects. */
  private async waitForSsh(ip: string | undefined): Promise<void> {
    if (!ip) return;
    const deadline = Date.now() + (this.opts.sshReadyTimeoutMs ?? 15_000);
    while (Date.now() < deadline) {
      if (await sshBanner(ip, 22, 2000).then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    this.log.warn('sshd did not answer in time; reporting the instance anyway', { ip });
  }
}

/** Connects and resolves with the server's identification line (`SSH-2.0-…`). */
export function sshBanner(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let data = '';
    const done = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(data.split(/\r?\n/)[0]);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no SSH banner from ${host}:${port} in ${timeoutMs} ms`)));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\n')) done(data.startsWith('SSH-') ? undefined : new Error(`not an SSH banner: ${data.slice(0, 60)}`));
    });
    socket.on('error', done);
    socket.on('close', () => done(new Error(`connection to ${host}:${port} closed before a banner`)));
  });
}

async function ignoreStatus(p: Promise<unknown>, status: number): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== status) throw err;
  }
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
  /** The containers' session label (DockerBackingOptions.session). */
  session?: string;
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
    return new DockerBacking({ docker, cloud: opts.cloud, image, session: opts.session, logger: log });
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
