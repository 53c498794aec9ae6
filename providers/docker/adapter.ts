/**
 * DockerProvider: a VibeBox is a container from the locally built base image (sshd + Node.js),
 * with SSH published on a loopback port. Good for development, CI and single-host deployments.
 */
import Docker from 'dockerode';
import { z } from 'zod';
import { generatePassword } from '../../lib/passwords';
import { BaseProvider } from '../baseProvider';
import { ProviderError } from '../errors';
import { Placement, ResourceFilter, ResourceInfo, ResourceSpec, ResourceStatus } from '../types';
import {
  LABEL_CLIENT_TOKEN,
  LABEL_PROJECT,
  LABEL_REGION,
  countByLabel,
  createBoxContainer,
  findByLabel,
  listByLabels,
  mapDockerError,
  setRootPassword,
  sshBinding,
} from './boxContainer';
import { BASE_IMAGE, mapImage, mapSpec } from './specMap';

/** The disk size asked for, recorded even where the storage driver cannot enforce it. */
const LABEL_DISK_GIB = 'vibebox.diskGiB';
import { mapDockerStatus } from './statusMap';

export const dockerConfigSchema = z.object({
  /** Unix socket of the engine; ignored when `host` is set. */
  socketPath: z.string().default('/var/run/docker.sock'),
  host: z.string().optional(),
  port: z.coerce.number().int().positive().optional(),
  region: z.string().default('local'),
  baseImage: z.string().default(BASE_IMAGE),
  bindIp: z.string().default('127.0.0.1'),
  /** Seconds `docker stop` waits for a clean shutdown before it kills. */
  stopTimeoutSeconds: z.coerce.number().int().min(0).default(10),
  /** Host capacity: creating beyond this many VibeBox containers is InsufficientStock. Unset = unlimited. */
  maxContainers: z.coerce.number().int().min(0).optional(),
});
type DockerSettings = z.infer<typeof dockerConfigSchema>;

export class DockerProvider extends BaseProvider<typeof dockerConfigSchema> {
  readonly type = 'docker' as const;
  readonly name = 'DockerProvider';
  protected readonly configSchema = dockerConfigSchema;
  private docker!: Docker;

  protected async setupClient(settings: DockerSettings): Promise<void> {
    this.docker = settings.host
      ? new Docker({ host: settings.host, port: settings.port ?? 2375 })
      : new Docker({ socketPath: settings.socketPath });
  }

  protected async performHealthCheck(): Promise<void> {
    await this.track('healthCheck', undefined, () => engine(this.docker.ping(), 'ping'));
  }

  /** One engine, no zones, no instance types: the spec's limits are the placement. */
  async choosePlacement(): Promise<Placement> {
    return {};
  }

  /** The engine's CPUs and memory: Docker refuses a container limited to more CPUs than the host has. */
  async capacity(): Promise<{ cpu: number; memoryGiB: number }> {
    return this.track('capacity', undefined, async () => {
      const info = (await engine(this.docker.info(), 'info')) as { NCPU: number; MemTotal: number };
      return { cpu: info.NCPU, memoryGiB: info.MemTotal / 1024 ** 3 };
    });
  }

  async createResource(spec: ResourceSpec): Promise<ResourceInfo> {
    return this.track('createResource', undefined, async (ctx) => {
      const password = spec.password ?? generatePassword();
      const existing = spec.clientToken ? await findByLabel(this.docker, LABEL_CLIENT_TOKEN, spec.clientToken) : undefined;
      let id: string;
      if (existing) {
        id = existing.Id; // same client token: the create already happened
      } else {
        await this.checkCapacity();
        const labels: Record<string, string> = { ...(spec.tags ?? {}), [LABEL_PROJECT]: 'vibebox', [LABEL_REGION]: this.settings.region };
        if (spec.clientToken) labels[LABEL_CLIENT_TOKEN] = spec.clientToken;
        labels[LABEL_DISK_GIB] = String(spec.disk);
        const created = await createBoxContainer(this.docker, {
          name: containerName(spec),
          image: mapImage(spec.image, this.settings.baseImage),
          limits: mapSpec(spec),
          labels,
          hostIp: this.settings.bindIp,
          hostPort: 0,
        });
        id = created.id;
      }
      ctx.resourceId = id;
      // A container found by its token may have been stopped since; a new one is already running.
      if (existing) await this.startContainer(id);
      await setRootPassword(this.docker, id, password);
      const info = await this.inspect(id);
      return { ...info, sshPassword: password };
    });
  }

  async getResourceInfo(id: string): Promise<ResourceInfo> {
    return this.track('getResourceInfo', id, () => this.inspect(id));
  }

  async startResource(id: string): Promise<void> {
    await this.track('startResource', id, () => this.startContainer(id));
  }

  /** Graceful stop waits `stopTimeoutSeconds` and then the engine kills; force kills at once. Already stopped is success. */
  async stopResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.track(opts.force ? 'forceStopResource' : 'stopResource', id, () =>
      this.alreadyThere('stop', id, [ResourceStatus.STOPPED], () => {
        const container = this.docker.getContainer(id);
        return engine(opts.force ? container.kill() : container.stop({ t: this.settings.stopTimeoutSeconds }), 'stop');
      }),
    );
  }

  async restartResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.track('restartResource', id, async () => {
      const info = await this.inspect(id);
      if (info.status !== ResourceStatus.RUNNING) {
        throw new ProviderError('InvalidState', `docker restart: ${id} is ${info.status}, not RUNNING`, { code: 'NotRunning' });
      }
      await engine(this.docker.getContainer(id).restart({ t: opts.force ? 0 : this.settings.stopTimeoutSeconds }), 'restart');
    });
  }

  /** Without force the container must be stopped (like the clouds); force removes it running. Gone (or going) is success. */
  async deleteResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.track(opts.force ? 'forceDeleteResource' : 'deleteResource', id, () =>
      this.alreadyThere('delete', id, [ResourceStatus.DELETING, ResourceStatus.DELETED], () =>
        engine(this.docker.getContainer(id).remove({ force: Boolean(opts.force), v: true }), 'delete'),
      ),
    );
  }

  /** Containers this provider's region made that carry every tag; one engine call (it does not page). */
  async listResources(filter: ResourceFilter): Promise<ResourceInfo[]> {
    return this.track('listResources', undefined, async () => {
      const found = await engine(listByLabels(this.docker, { ...filter.tags, [LABEL_REGION]: this.settings.region }), 'list');
      return found
        .map((c): ResourceInfo => ({
          id: c.Id,
          status: mapDockerStatus(c.State),
          sshPort: 22,
          sshUser: 'root',
          metadata: { containerName: c.Names?.[0]?.replace(/^\//, ''), dockerState: c.State, region: this.settings.region, tags: { ...c.Labels } },
          createdAt: new Date(c.Created * 1000),
        }))
        .filter((r) => r.status !== ResourceStatus.DELETING);
    });
  }

  /** Already running (the engine's 304) is success. */
  private startContainer(id: string): Promise<void> {
    return this.alreadyThere('start', id, [ResourceStatus.RUNNING, ResourceStatus.STARTING], () => engine(this.docker.getContainer(id).start(), 'start'));
  }

  private async checkCapacity(): Promise<void> {
    const max = this.settings.maxContainers;
    if (max === undefined) return;
    const count = await countByLabel(this.docker, LABEL_PROJECT, 'vibebox');
    if (count >= max) {
      throw new ProviderError('InsufficientStock', `docker host is full: ${count} of ${max} VibeBox containers`, {
        code: 'HostCapacityReached',
      });
    }
  }

  private async inspect(id: string): Promise<ResourceInfo> {
    const data = await engine(this.docker.getContainer(id).inspect(), 'inspect');
    const binding = sshBinding(data);
    return {
      id: data.Id,
      status: mapDockerStatus(data.State.Status),
      ipAddress: binding?.hostIp,
      privateIp: firstNetworkIp(data),
      sshPort: binding?.hostPort ?? 22,
      sshUser: 'root',
      metadata: {
        containerName: data.Name.replace(/^\//, ''),
        image: data.Config.Image,
        dockerState: data.State.Status,
        nanoCpus: data.HostConfig.NanoCpus,
        memoryBytes: data.HostConfig.Memory,
        diskGiB: Number(data.Config.Labels?.[LABEL_DISK_GIB]) || parseDiskSize(data.HostConfig.StorageOpt?.size),
        diskEnforced: Boolean(data.HostConfig.StorageOpt?.size),
        region: this.settings.region,
      },
      createdAt: new Date(data.Created),
    };
  }
}

/**
 * The client token names the container when there is one: it is unique per create attempt, so a
 * retried provisioning (new token) never collides with a leftover container of an earlier one.
 */
function containerName(spec: ResourceSpec): string {
  const base = spec.clientToken ?? spec.name ?? `vibebox-${Date.now().toString(36)}`;
  return base.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 120);
}

function firstNetworkIp(data: Docker.ContainerInspectInfo): string | undefined {
  const nets = Object.values(data.NetworkSettings.Networks ?? {});
  return nets.map((n) => n.IPAddress).find(Boolean) || undefined;
}

function parseDiskSize(size: string | undefined): number | undefined {
  return size ? Number.parseInt(size, 10) : undefined;
}

/** An Engine API call with its failure mapped to a ProviderError. */
async function engine<T>(call: Promise<T>, action: string): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw mapDockerError(err, action);
  }
}
