/**
 * The contract harness for an emulated cloud: its emulator in-process (Docker-backed when an
 * engine and the base image are there, so SSH is real), the adapter built the way the platform
 * builds it (factory + the seed's environment variables), and the fault levers through the
 * emulator's control API.
 */
import { CLOUD_EMULATORS, EmulatedCloudType } from '../../providers/cloudEmulators';
import { DockerBacking } from '../../providers/docker/emulatorBacking';
import { EmulatorControlClient, EmulatorCredentials } from '../../providers/emulation';
import { createProviderFactory } from '../../providers/factory';
import { configFromEnv, envPrefix } from '../../providers/settings';
import type { ContractHarness } from './contractSuite';

/** What an untouched stock level is in the emulation core; restoring sets it back explicitly. */
const PLENTY = 1000;

export function cloudHarness(cloud: EmulatedCloudType, opts: { throttleRetryAfterSeconds?: number }) {
  return async (): Promise<ContractHarness> => {
    const credentials: EmulatorCredentials = { accessKeyId: `contract-${cloud}-key`, accessKeySecret: `contract-${cloud}-secret` };
    const emulator = await CLOUD_EMULATORS[cloud]({ credentials: [credentials] });
    const control = new EmulatorControlClient(emulator.url);
    const providerFrom = (creds: EmulatorCredentials) => createProviderFactory().create(configFromEnv(cloud, emulator.providerEnv(creds)));
    const regionId = emulator.providerEnv(credentials)[`${envPrefix(cloud)}_REGION`];
    const region = emulator.cloud.catalog.regions.find((r) => r.regionId === regionId)!;
    const setStockEverywhere = async (count: number) => {
      for (const zone of region.zones) {
        for (const t of emulator.cloud.catalog.instanceTypes) await control.setStock(region.regionId, zone, t.instanceType, count);
      }
    };
    // A delete still finishing gives its stock back when it finishes (on Aliyun the instance is
    // unlisted, so "gone" to the adapter, before that): wait for them so a level set now holds.
    const settleDeletes = async () => {
      const deadline = Date.now() + 60_000;
      while ((await control.listInstances({ states: ['deleting'] })).length > 0) {
        if (Date.now() > deadline) throw new Error(`${cloud}: deletes still running after 60 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    return {
      provider: await providerFrom(credentials),
      spec: { cpu: 1, memory: 1, disk: 20 },
      realSsh: emulator.cloud.backing instanceof DockerBacking,
      exhaustStock: async () => {
        await settleDeletes();
        await setStockEverywhere(0);
      },
      restoreStock: () => setStockEverywhere(PLENTY),
      async throttleNextCall() {
        await control.setThrottle({ forced: true, retryAfterSeconds: opts.throttleRetryAfterSeconds ?? 1 });
        return { retryAfterSeconds: opts.throttleRetryAfterSeconds };
      },
      async clearThrottle() {
        await control.setThrottle({ forced: false });
      },
      wrongSecretProvider: () => providerFrom({ ...credentials, accessKeySecret: 'not-the-secret' }),
      close: () => emulator.close(),
    };
  };
}
