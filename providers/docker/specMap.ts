/** ResourceSpec → Docker resource limits and image. */
import { ResourceSpec } from '../types';

export const BASE_IMAGE = 'vibebox/base:latest';

/**
 * Image names callers use (the seed's `ubuntu-22.04`, or none) all map to the locally built
 * VibeBox base image: it is the only image that carries sshd and Node.js the way the platform
 * expects. A name with a `/` or `:` is taken as a real Docker image reference.
 */
export function mapImage(image: string | undefined, baseImage = BASE_IMAGE): string {
  if (!image || !/[/:]/.test(image)) return baseImage;
  return image;
}

export interface DockerLimits {
  NanoCpus: number;
  Memory: number;
  /** Disk in GiB as asked; enforced only where the storage driver allows (see docs/providers.md). */
  diskGiB: number;
}

const GiB = 1024 ** 3;

export function mapSpec(spec: Pick<ResourceSpec, 'cpu' | 'memory' | 'disk'>): DockerLimits {
  return { NanoCpus: Math.round(spec.cpu * 1e9), Memory: Math.round(spec.memory * GiB), diskGiB: spec.disk };
}
