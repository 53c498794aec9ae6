import { BASE_IMAGE, mapImage, mapSpec } from '../../providers/docker/specMap';
import { mapDockerStatus } from '../../providers/docker/statusMap';
import { ResourceStatus } from '../../providers/types';

describe('Docker status map', () => {
  it.each([
    ['running', ResourceStatus.RUNNING],
    ['exited', ResourceStatus.STOPPED],
    ['created', ResourceStatus.STOPPED],
    ['restarting', ResourceStatus.STARTING],
    ['removing', ResourceStatus.DELETING],
    ['dead', ResourceStatus.ERROR],
    ['something-new', ResourceStatus.ERROR],
  ])('%s → %s', (docker, unified) => {
    expect(mapDockerStatus(docker)).toBe(unified);
  });
});

describe('Docker spec map', () => {
  it('turns 2C4G into NanoCpus and Memory bytes, keeping the disk size', () => {
    expect(mapSpec({ cpu: 2, memory: 4, disk: 40 })).toEqual({ NanoCpus: 2_000_000_000, Memory: 4 * 1024 ** 3, diskGiB: 40 });
  });
  it('handles fractional cpus', () => {
    expect(mapSpec({ cpu: 0.5, memory: 1, disk: 10 }).NanoCpus).toBe(500_000_000);
  });
  it('maps seed image names and the default to the VibeBox base image', () => {
    expect(mapImage(undefined)).toBe(BASE_IMAGE);
    expect(mapImage('ubuntu-22.04')).toBe(BASE_IMAGE);
    expect(mapImage('registry.example/vibebox:dev')).toBe('registry.example/vibebox:dev');
  });
});
