import { configFromEnv, ProviderFactory } from '../../providers/factory';
import { ProviderError } from '../../providers/errors';
import { createProviderFactory } from '../../providers/registry';

describe('ProviderFactory', () => {
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
    const f = new ProviderFactory().register('docker', class {} as never).register('aliyun', class {} as never);
    expect(f.enabledTypes({ ENABLED_PROVIDERS: 'aliyun, docker' })).toEqual(['aliyun', 'docker']);
    expect(f.enabledTypes({ DOCKER_ENABLED: 'false' })).toEqual(['aliyun']);
    expect(() => f.enabledTypes({ ENABLED_PROVIDERS: 'aws' })).toThrow('unknown provider "aws"');
  });

  it('refuses an unknown type and a bad config with InvalidRequest', async () => {
    const f = createProviderFactory();
    await expect(f.create({ type: 'kubernetes' as never })).rejects.toMatchObject({ kind: 'InvalidRequest' });
    const err = await f.create({ type: 'docker', options: { stopTimeoutSeconds: 'soon' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toContain('stopTimeoutSeconds');
  });
});
