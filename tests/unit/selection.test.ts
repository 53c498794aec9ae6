import { orderCandidates, SelectionError } from '../../workflows/selection';
import type { ProviderType } from '../../providers/types';

const regions: Record<ProviderType, string[]> = {
  chinamobile: ['beijing', 'shanghai'],
  aliyun: ['cn-hangzhou', 'cn-shanghai'],
  tencent: ['ap-guangzhou'],
  docker: ['local'],
};
const regionsOf = (t: ProviderType) => regions[t];

describe('candidate order (failover: next region, then next provider)', () => {
  it('walks the enabled providers in order, each through its regions', () => {
    expect(orderCandidates({ enabled: ['chinamobile', 'aliyun'], regionsOf })).toEqual([
      { providerType: 'chinamobile', region: 'beijing' },
      { providerType: 'chinamobile', region: 'shanghai' },
      { providerType: 'aliyun', region: 'cn-hangzhou' },
      { providerType: 'aliyun', region: 'cn-shanghai' },
    ]);
  });

  it('puts the requested provider and region first', () => {
    const c = orderCandidates({ enabled: ['chinamobile', 'aliyun'], regionsOf, providerType: 'aliyun', requestedRegion: 'cn-shanghai' });
    expect(c[0]).toEqual({ providerType: 'aliyun', region: 'cn-shanghai' });
    expect(c[1]).toEqual({ providerType: 'aliyun', region: 'cn-hangzhou' });
    expect(c.slice(2).map((x) => x.providerType)).toEqual(['chinamobile', 'chinamobile']);
  });

  it('refuses a provider that is not enabled', () => {
    expect(() => orderCandidates({ enabled: ['docker'], regionsOf, providerType: 'aliyun' })).toThrow(SelectionError);
  });

  it('refuses a region nobody serves', () => {
    expect(() => orderCandidates({ enabled: ['docker'], regionsOf, requestedRegion: 'mars-1' })).toThrow('region "mars-1"');
  });

  it('refuses when nothing is enabled', () => {
    expect(() => orderCandidates({ enabled: [], regionsOf })).toThrow('no provider is enabled');
  });
});
