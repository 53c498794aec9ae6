/** A one-region emulated cloud whose instances are real VibeBox containers, for Docker-backed tests. */
import { detectBacking } from '../../providers/docker/emulatorBacking';
import { EmulatedCloud } from '../../providers/emulation';

export async function dockerBackedTestCloud(): Promise<EmulatedCloud> {
  const backing = await detectBacking({ cloud: 'test', override: 'docker' });
  return new EmulatedCloud({
    cloud: 'test',
    catalog: { regions: [{ regionId: 'r1', zones: ['r1-a'] }], instanceTypes: [{ instanceType: 't.small', cpu: 1, memoryGiB: 1, price: 0 }] },
    delays: { create: 10, start: 10, stop: 10, reboot: 10, delete: 10 },
    backing,
  });
}
