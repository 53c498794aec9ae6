import { ProviderError } from '../../providers/errors';
import { createProviderFactory } from '../../providers/factory';

describe('ProviderFactory', () => {
  it('refuses an unknown type and a bad config with InvalidRequest', async () => {
    const f = createProviderFactory();
    await expect(f.create({ type: 'kubernetes' as never })).rejects.toMatchObject({ kind: 'InvalidRequest' });
    const err = await f.create({ type: 'docker', options: { stopTimeoutSeconds: 'soon' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toContain('stopTimeoutSeconds');
  });

  it('registers every provider the platform ships, in preference order', () => {
    expect(createProviderFactory().registered()).toEqual(['chinamobile', 'aliyun', 'tencent', 'docker']);
  });
});
