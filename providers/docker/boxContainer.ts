/**
 * The Docker engine calls behind a VibeBox container: create (with limits, labels, a fixed SSH
 * port on a loopback address), set the login password, find by label, inspect. Shared by the
 * Docker provider and by the cloud emulators, whose emulated instances are backed by these
 * containers so their addresses and SSH ports are real.
 */
import net from 'node:net';
import Docker from 'dockerode';
import { ProviderError } from '../errors';
import { DockerLimits } from './specMap';

export const LABEL_CLIENT_TOKEN = 'vibebox.clientToken';
export const LABEL_PROJECT = 'project';
/**
 * The Docker provider's region, on every container it creates: its listings are scoped by it, so
 * they never include what another provider (a cloud emulator's backing containers carry the same
 * resource tags) or another Docker region made on the same engine.
 */
export const LABEL_REGION = 'vibebox.region';

export interface BoxContainerOptions {
  name: string;
  image: string;
  limits: DockerLimits;
  labels: Record<string, string>;
  /** Loopback address the SSH port is published on. */
  hostIp: string;
  /** Host port for SSH; 0 picks a free one. Fixed at create so it survives stop/start. */
  hostPort: number;
}

export interface BoxContainer {
  id: string;
  diskEnforced: boolean;
}

/** Creates and starts the container; retries a few times if the picked port was taken meanwhile. */
export async function createBoxContainer(docker: Docker, opts: BoxContainerOptions): Promise<BoxContainer> {
  for (let attempt = 1; ; attempt++) {
    const port = opts.hostPort || (await freePort(opts.hostIp));
    try {
      const created = await createWithDiskLimit(docker, opts, port);
      await docker.getContainer(created.id).start();
      return created;
    } catch (err) {
      const portTaken = /port is already allocated|address already in use/i.test(String((err as Error).message));
      if (portTaken && !opts.hostPort && attempt < 4) continue;
      throw mapDockerError(err, 'create');
    }
  }
}

/**
 * Disk size is enforced with `StorageOpt.size`, which only some storage drivers honour
 * (overlay2 on xfs with pquota, devicemapper, btrfs, zfs). Elsewhere Docker refuses the option;
 * we then create without it and record that the disk size is not enforced.
 */
async function createWithDiskLimit(docker: Docker, opts: BoxContainerOptions, port: number): Promise<BoxContainer> {
  const base: Docker.ContainerCreateOptions = {
    name: opts.name,
    Image: opts.image,
    Labels: opts.labels,
    ExposedPorts: { '22/tcp': {} },
    HostConfig: {
      NanoCpus: opts.limits.NanoCpus,
      Memory: opts.limits.Memory,
      PortBindings: { '22/tcp': [{ HostIp: opts.hostIp, HostPort: String(port) }] },
      RestartPolicy: { Name: 'no' },
    },
  };
  try {
    const c = await docker.createContainer({
      ...base,
      HostConfig: { ...base.HostConfig, StorageOpt: { size: `${opts.limits.diskGiB}G` } },
    });
    return { id: c.id, diskEnforced: true };
  } catch (err) {
    if (!/storage-?opt|storage option|quota/i.test(String((err as Error).message))) throw err;
    await removeQuietly(docker, opts.name);
    const c = await docker.createContainer(base);
    return { id: c.id, diskEnforced: false };
  }
}

async function removeQuietly(docker: Docker, name: string): Promise<void> {
  await docker
    .getContainer(name)
    .remove({ force: true })
    .catch(() => undefined);
}

/**
 * Sets root's password through `chpasswd` on stdin, so the password is never in a command line,
 * an environment variable or `docker inspect` output.
 */
export async function setRootPassword(docker: Docker, containerId: string, password: string): Promise<void> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: ['chpasswd'],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: true });
  const output: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => output.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  stream.write(`root:${password}\n`);
  stream.end();
  await finished;
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) {
    throw new ProviderError('Transient', `setting the login password failed (chpasswd exit ${ExitCode})`);
  }
}

export async function findByLabel(docker: Docker, label: string, value: string): Promise<Docker.ContainerInfo | undefined> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${label}=${value}`] } });
  return list[0];
}

/** Every container (running or not) carrying all of `labels`: the engine filters, ANDing them. */
export function listByLabels(docker: Docker, labels: Record<string, string>): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } });
}

export async function countByLabel(docker: Docker, label: string, value: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${label}=${value}`] } });
  return list.length;
}

/** The host port SSH is bound to, from the container's fixed binding (known even when stopped). */
export function sshBinding(inspect: Docker.ContainerInspectInfo): { hostIp: string; hostPort: number } | undefined {
  const binding = inspect.HostConfig.PortBindings?.['22/tcp']?.[0] as { HostIp?: string; HostPort?: string } | undefined;
  if (!binding?.HostPort) return undefined;
  return { hostIp: binding.HostIp || '127.0.0.1', hostPort: Number(binding.HostPort) };
}

/** Asks the kernel for a free TCP port on `host`. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface DockerodeError {
  statusCode?: number;
  code?: string;
  json?: { message?: string };
  message?: string;
}

/**
 * Engine API errors → ProviderError kinds. 304 (start of a running or stop of a stopped
 * container) and 409 (kill of a stopped one, removal already under way) are the engine's "wrong
 * state" answers; the adapter's alreadyThere decides which of them mean success.
 */
export function mapDockerError(err: unknown, action: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as DockerodeError;
  const message = e.json?.message ?? e.message ?? String(err);
  const details = { code: e.statusCode ? `HTTP${e.statusCode}` : e.code, httpStatus: e.statusCode, cause: err };
  if (e.statusCode === 404) return new ProviderError('NotFound', `docker ${action}: ${message}`, details);
  if (e.statusCode === 304 || e.statusCode === 409) return new ProviderError('InvalidState', `docker ${action}: ${message}`, details);
  if (e.statusCode === 400) return new ProviderError('InvalidRequest', `docker ${action}: ${message}`, details);
  if (e.statusCode === 401 || e.statusCode === 403) return new ProviderError('AuthFailed', `docker ${action}: ${message}`, details);
  return new ProviderError('Transient', `docker ${action}: ${message}`, details);
}
