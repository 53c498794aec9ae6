/**
 * A test file's platform on the Aliyun emulator (address-only instances: no box gets as far as
 * SSH, so tests of what happens around a create stay fast), started before the file's tests and
 * closed after them; and instances made directly in the emulator, for boxes to adopt.
 */
import { EmulatorHandle } from '../../providers/emulation';
import { startLocalClouds, LocalClouds } from '../../providers/localClouds';
import type { PlacedResource } from '../../workflows/definitions';
import { startPlatform, TestPlatform } from './platform';

export interface AliyunPlatform {
  clouds: LocalClouds;
  aliyun: EmulatorHandle;
  p: TestPlatform;
}

/** Registers the file's beforeAll/afterAll; the returned object is filled in by the time tests run. */
export function aliyunPlatform(env: Record<string, string> = {}): AliyunPlatform {
  const ctx = {} as AliyunPlatform;
  beforeAll(async () => {
    ctx.clouds = await startLocalClouds({ VIBEBOX_EMULATOR_BACKING: 'none', CHINAMOBILE_ENABLED: 'false', TENCENT_ENABLED: 'false' });
    ctx.aliyun = ctx.clouds.handles.find((h) => h.cloud.cloud === 'aliyun')!;
    ctx.p = await startPlatform({ ...ctx.clouds.env, ENABLED_PROVIDERS: 'aliyun', ALIYUN_REGIONS: 'cn-hangzhou', ...env });
  });
  afterAll(async () => {
    await ctx.p?.close();
    await ctx.clouds?.close();
  });
  return ctx;
}

/** A running instance made in the emulator directly (as if provisioned earlier), owned by the platform's key. */
export async function runningInstance({ aliyun, clouds }: AliyunPlatform): Promise<PlacedResource> {
  const { cloud } = aliyun;
  const [inst] = cloud.create({
    owner: clouds.env.ALIYUN_ACCESS_KEY_ID,
    region: 'cn-hangzhou',
    instanceType: cloud.catalog.instanceTypes[0].instanceType,
    imageId: 'ubuntu_22_04_x64_20G_alibase_20240926.vhd',
    password: 'not-used-here',
  }).instances;
  await cloud.waitForState(inst.id, 'running', 30_000);
  return { providerType: 'aliyun', region: 'cn-hangzhou', resourceId: inst.id, metadata: {} };
}
