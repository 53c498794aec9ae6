/**
 * listResources through each cloud's own filter and paging (Aliyun Tag.N + PageNumber, Tencent
 * `tag:<key>` Filters + Offset, ECloud's tags body + page), against the emulators with more
 * matching instances than one page holds. The contract suite covers the single-page case on every
 * provider, Docker included.
 */
import { CLOUD_EMULATORS, EmulatedCloudType } from '../../providers/cloudEmulators';
import { EmulatorHandle, NoBacking } from '../../providers/emulation';
import { createProviderFactory } from '../../providers/factory';
import { configFromEnv, envPrefix } from '../../providers/settings';

const MINE = { project: 'vibebox', 'vibebox:deployment': 'paging-test' };
/** More than the biggest page (Aliyun and Tencent give 100, ECloud 50 as the adapter asks). */
const COUNT = 130;

describe.each(['aliyun', 'tencent', 'chinamobile'] as EmulatedCloudType[])('%s listResources', (cloud) => {
  let emulator: EmulatorHandle;
  const credentials = { accessKeyId: `list-${cloud}-key`, accessKeySecret: `list-${cloud}-secret` };

  beforeAll(async () => {
    emulator = await CLOUD_EMULATORS[cloud]({ credentials: [credentials], backing: new NoBacking() });
  });
  afterAll(() => emulator.close());

  it(`pages through all ${COUNT} tagged instances and leaves out the others`, async () => {
    const env = emulator.providerEnv(credentials);
    const region = env[`${envPrefix(cloud)}_REGION`];
    const { cloud: core } = emulator;
    core.setQuota(COUNT * 2);
    const type = core.catalog.instanceTypes[0].instanceType;
    const make = (n: number, tags: Record<string, string>) =>
      core.create({ owner: credentials.accessKeyId, region, instanceType: type, imageId: 'img-any', password: 'x', amount: n, tags });
    make(100, { ...MINE, vibeboxId: 'a' });
    make(COUNT - 100, { ...MINE, vibeboxId: 'b' });
    make(5, { project: 'vibebox', 'vibebox:deployment': 'another-platform' });
    make(3, { project: 'vibebox' });

    const provider = await createProviderFactory().create(configFromEnv(cloud, env));
    const listed = await provider.listResources({ tags: MINE });
    expect(listed).toHaveLength(COUNT);
    expect(new Set(listed.map((r) => r.id)).size).toBe(COUNT);
    expect(listed.every((r) => (r.metadata.tags as Record<string, string>)['vibebox:deployment'] === 'paging-test')).toBe(true);
  });
});
