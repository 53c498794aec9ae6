/** Provider settings from the environment (providers/settings.ts), and the API's light path to them. */
import { configFromEnv, enabledTypes, placementFromEnv, regionsOf } from '../../providers/settings';

describe('provider settings', () => {
  it('reads the seed variables for a provider', () => {
    const config = configFromEnv('aliyun', {
      ALIYUN_ACCESS_KEY_ID: 'LTAIexample',
      ALIYUN_ACCESS_KEY_SECRET: 'secret',
      ALIYUN_REGION: 'cn-hangzhou',
      ALIYUN_ENDPOINT: '127.0.0.1:9000',
      ALIYUN_OPTION_VSWITCH_ID: 'vsw-1',
    });
    expect(config).toEqual({
      type: 'aliyun',
      credentials: { accessKeyId: 'LTAIexample', accessKeySecret: 'secret' },
      region: 'cn-hangzhou',
      options: { endpoint: '127.0.0.1:9000', vswitchId: 'vsw-1' },
    });
  });

  it('enables what ENABLED_PROVIDERS lists, in that order', () => {
    const known = ['docker', 'aliyun'] as const;
    expect(enabledTypes({ ENABLED_PROVIDERS: 'aliyun, docker' }, known)).toEqual(['aliyun', 'docker']);
    expect(enabledTypes({ DOCKER_ENABLED: 'false' }, known)).toEqual(['aliyun']);
    expect(() => enabledTypes({ ENABLED_PROVIDERS: 'aws' }, known)).toThrow('unknown provider "aws"');
  });

  it('without ENABLED_PROVIDERS, every shipped provider not disabled, in preference order', () => {
    expect(enabledTypes({})).toEqual(['chinamobile', 'aliyun', 'tencent', 'docker']);
    expect(enabledTypes({ TENCENT_ENABLED: 'FALSE', CHINAMOBILE_ENABLED: 'true' })).toEqual(['chinamobile', 'aliyun', 'docker']);
  });

  it('regions: <TYPE>_REGIONS in order, else <TYPE>_REGION, else the default', () => {
    expect(regionsOf('aliyun', { ALIYUN_REGIONS: 'cn-shanghai, cn-beijing', ALIYUN_REGION: 'cn-hangzhou' })).toEqual(['cn-shanghai', 'cn-beijing']);
    expect(regionsOf('aliyun', { ALIYUN_REGION: 'cn-shenzhen' })).toEqual(['cn-shenzhen']);
    expect(regionsOf('tencent', {})).toEqual(['ap-guangzhou']);
  });

  it('placement reads the environment on every call', () => {
    const env: Record<string, string | undefined> = { ENABLED_PROVIDERS: 'docker' };
    const placement = placementFromEnv(env);
    expect(placement.enabledTypes()).toEqual(['docker']);
    env.ENABLED_PROVIDERS = 'tencent,docker';
    env.TENCENT_REGIONS = 'ap-shanghai';
    expect(placement.enabledTypes()).toEqual(['tencent', 'docker']);
    expect(placement.regionsOf('tencent')).toEqual(['ap-shanghai']);
  });
});

describe('what starting the API loads', () => {
  const SDKS = ['@alicloud/ecs20140526', 'tencentcloud-sdk-nodejs-cvm', 'dockerode'];

  /** Requires `modulePath` in a fresh module registry; says which of the SDKs it pulled in. */
  function sdksLoadedBy(modulePath: string): string[] {
    const loaded: string[] = [];
    jest.isolateModules(() => {
      for (const sdk of SDKS) {
        jest.doMock(sdk, () => {
          loaded.push(sdk);
          return jest.requireActual<object>(sdk);
        });
      }
      // A require, not an import: only a require goes through jest's fresh registry and its mocks.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(modulePath);
    });
    for (const sdk of SDKS) jest.dontMock(sdk);
    return loaded;
  }

  it('the API server loads no cloud SDK and no Docker client', () => {
    expect(sdksLoadedBy('../../api/server')).toEqual([]);
  });

  it('(the check can fail: the provider factory loads all three)', () => {
    expect(sdksLoadedBy('../../providers/factory').sort()).toEqual([...SDKS].sort());
  });
});
