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

  describe('a plan that cannot fit', () => {
    const misfit = (c: { providerType: string }) => (c.providerType === 'docker' ? 'docker in local can place at most 2 vCPU' : undefined);

    it('leaves unfit candidates out', () => {
      expect(orderCandidates({ enabled: ['docker', 'aliyun'], regionsOf, misfit }).map((c) => c.providerType)).toEqual(['aliyun', 'aliyun']);
    });

    it('refuses a pinned provider where it fits nowhere, naming planId and why', () => {
      const refused = () => orderCandidates({ enabled: ['docker', 'aliyun'], regionsOf, providerType: 'docker', misfit });
      expect(refused).toThrow('plan does not fit provider "docker": docker in local can place at most 2 vCPU');
      expect(refused).toThrow(expect.objectContaining({ field: 'planId' }));
    });

    it('refuses when no enabled provider fits', () => {
      expect(() => orderCandidates({ enabled: ['docker'], regionsOf, misfit })).toThrow(expect.objectContaining({ field: 'planId', message: expect.stringContaining('no enabled provider can place this plan') }));
    });
  });
});

