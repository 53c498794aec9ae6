import { ChinaMobileProvider } from '../../providers/chinamobile/adapter';
import { startChinaMobileEmulator } from '../../providers/chinamobile/emulator';
import { DockerBacking, EmulatorControlClient } from '../../providers/emulation';
import { configFromEnv } from '../../providers/factory';
import { runContractSuite } from './contractSuite';

const KEY = { accessKeyId: 'contract-ak', accessKeySecret: 'contract-sk-0123456789' };
const THROTTLE_RETRY_AFTER_S = 2;

async function providerFrom(env: Record<string, string>): Promise<ChinaMobileProvider> {
  const p = new ChinaMobileProvider();
  await p.initialize(configFromEnv('chinamobile', env));
  return p;
}

runContractSuite(
  'chinamobile',
  async () => {
    // Backing as detectBacking finds it: Docker (real sshd behind each instance) when the engine
    // and the base image are there, else none (VIBEBOX_EMULATOR_BACKING=none forces that).
    const emulator = await startChinaMobileEmulator({ credentials: [KEY] });
    const control = new EmulatorControlClient(emulator.url);
    const env = emulator.providerEnv(KEY);
    const region = env.CHINAMOBILE_REGION;
    const setAllStock = async (count: number) => {
      const zones = emulator.cloud.catalog.regions.find((r) => r.regionId === region)?.zones ?? [];
      for (const zone of zones) {
        for (const t of emulator.cloud.catalog.instanceTypes) await control.setStock(region, zone, t.instanceType, count);
      }
    };
    return {
      provider: await providerFrom(env),
      spec: { cpu: 1, memory: 1, disk: 20 },
      realSsh: emulator.cloud.backing instanceof DockerBacking,
      exhaustStock: () => setAllStock(0),
      restoreStock: () => setAllStock(1000),
      async throttleNextCall() {
        await control.setThrottle({ forced: true, retryAfterSeconds: THROTTLE_RETRY_AFTER_S });
        return { retryAfterSeconds: THROTTLE_RETRY_AFTER_S };
      },
      clearThrottle: async () => {
        await control.setThrottle({ forced: false });
      },
      wrongSecretProvider: () => providerFrom({ ...env, CHINAMOBILE_ACCESS_KEY_SECRET: 'not-the-secret' }),
      close: () => emulator.close(),
    };
  },
  ['stock', 'throttle', 'auth'],
);
