/**
 * The provider contract for TencentProvider, against the Tencent emulator started in-process.
 * Instances are Docker containers when an engine and the base image are there (then the suite
 * also checks SSH), address-only otherwise (VIBEBOX_EMULATOR_BACKING=none forces that).
 */
import { configFromEnv } from '../../providers/factory';
import { DockerBacking, EmulatorControlClient } from '../../providers/emulation';
import { TencentProvider } from '../../providers/tencent/adapter';
import { INSTANCE_TYPES, REGIONS } from '../../providers/tencent/catalog';
import { TENCENT_DEFAULT_STOCK, startTencentEmulator } from '../../providers/tencent/emulator';
import { runContractSuite } from './contractSuite';

const KEY = { accessKeyId: 'AKIDcontractSuite0001', accessKeySecret: 'contract-Suite-SecretKey-1' };

async function tencentProvider(env: Record<string, string>): Promise<TencentProvider> {
  const p = new TencentProvider();
  await p.initialize(configFromEnv('tencent', env));
  return p;
}

runContractSuite(
  'tencent',
  async () => {
    const emulator = await startTencentEmulator({ credentials: [KEY] });
    const control = new EmulatorControlClient(emulator.url);
    const env = emulator.providerEnv(KEY);
    const region = REGIONS.find((r) => r.region === env.TENCENT_REGION)!;
    const setAllStock = async (count: number) => {
      for (const { zone } of region.zones) {
        for (const t of INSTANCE_TYPES) await control.setStock(region.region, zone, t.instanceType, count);
      }
    };
    return {
      provider: await tencentProvider(env),
      spec: { cpu: 1, memory: 1, disk: 20 },
      realSsh: emulator.cloud.backing instanceof DockerBacking,
      exhaustStock: () => setAllStock(0),
      restoreStock: () => setAllStock(TENCENT_DEFAULT_STOCK),
      async throttleNextCall() {
        await control.setThrottle({ forced: true });
        return {}; // Tencent's RequestLimitExceeded carries no retry-after
      },
      async clearThrottle() {
        await control.setThrottle({ forced: false });
      },
      wrongSecretProvider: () => tencentProvider({ ...env, TENCENT_ACCESS_KEY_SECRET: `${KEY.accessKeySecret}-wrong` }),
      close: () => emulator.close(),
    };
  },
  ['stock', 'throttle', 'auth'],
);
