/**
 * The contract suite against AliyunProvider and the ECS emulator, in-process. With a Docker
 * engine and the base image, emulated instances are real containers (realSsh); with
 * VIBEBOX_EMULATOR_BACKING=none they are address-only.
 */
import { AliyunProvider } from '../../providers/aliyun/adapter';
import { startAliyunEmulator } from '../../providers/aliyun/emulator';
import { DockerBacking, EmulatorControlClient, EmulatorCredentials } from '../../providers/emulation';
import { configFromEnv } from '../../providers/factory';
import { runContractSuite } from './contractSuite';

const credentials: EmulatorCredentials = { accessKeyId: 'LTAI-contract-suite', accessKeySecret: 'contract-suite-secret' };
/** What an unset stock level means in the emulation core; restoring sets it back explicitly. */
const PLENTY = 1000;

async function providerFrom(env: Record<string, string>): Promise<AliyunProvider> {
  const provider = new AliyunProvider();
  await provider.initialize(configFromEnv('aliyun', env));
  return provider;
}

runContractSuite(
  'aliyun',
  async () => {
    const emulator = await startAliyunEmulator({ credentials: [credentials] });
    const control = new EmulatorControlClient(emulator.url);
    const env = emulator.providerEnv(credentials);
    const region = emulator.cloud.catalog.regions.find((r) => r.regionId === env.ALIYUN_REGION)!;
    const setStockEverywhere = async (count: number) => {
      for (const zone of region.zones) {
        for (const t of emulator.cloud.catalog.instanceTypes) await control.setStock(region.regionId, zone, t.instanceType, count);
      }
    };
    return {
      provider: await providerFrom(env),
      spec: { cpu: 1, memory: 1, disk: 20 },
      realSsh: emulator.cloud.backing instanceof DockerBacking,
      exhaustStock: () => setStockEverywhere(0),
      restoreStock: () => setStockEverywhere(PLENTY),
      async throttleNextCall() {
        await control.setThrottle({ forced: true, retryAfterSeconds: 2 });
        return { retryAfterSeconds: 2 };
      },
      async clearThrottle() {
        await control.setThrottle({ forced: false });
      },
      wrongSecretProvider: () => providerFrom(emulator.providerEnv({ ...credentials, accessKeySecret: 'not-the-secret' })),
      close: () => emulator.close(),
    };
  },
  ['stock', 'throttle', 'auth'],
);
