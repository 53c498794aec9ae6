/**
 * Selection (seed 选择策略) as a plain function: manual pins honoured (no silent fallback), the
 * auto rules from selectionRules.ts (low latency by proximity, container → Docker, cheapest by the
 * catalogs' list prices, a region keeps only the providers serving it, multi-active by weights),
 * unhealthy and unfit candidates left out with their reason, and the reason for the pick.
 */
import { checkManualPlacement } from '../../api/placement';
import { HttpError } from '../../api/errors';
import { listPrice } from '../../providers/capacity';
import type { ProviderType } from '../../providers/types';
import type { Candidate } from '../../workflows/definitions';
import { specForPlan } from '../../workflows/plans';
import { policies } from '../../workflows/policies';
import { choosePlacement, orderCandidates, SelectionError, unavailableLookup } from '../../workflows/selection';
import { AUTO_RULES, distanceKm } from '../../workflows/selectionRules';

const regions: Record<ProviderType, string[]> = {
  chinamobile: ['CIDC-RP-29', 'CIDC-RP-25'],
  aliyun: ['cn-hangzhou', 'cn-shanghai'],
  tencent: ['ap-guangzhou'],
  docker: ['local'],
};
const regionsOf = (t: ProviderType) => regions[t];
const all: ProviderType[] = ['chinamobile', 'aliyun', 'tencent', 'docker'];
const where = (cs: Candidate[]) => cs.map((c) => `${c.providerType}/${c.region}`);
/** A fixed draw: the first weighted pick lands on the heaviest provider. */
const first = () => 0;

describe('manual selection (策略1): a pin is honoured', () => {
  it('a pinned provider lists only its own regions — no silent fallback to another provider', () => {
    expect(where(orderCandidates({ enabled: ['chinamobile', 'aliyun'], regionsOf, providerType: 'aliyun' }))).toEqual(['aliyun/cn-hangzhou', 'aliyun/cn-shanghai']);
  });

  it('a pinned provider and region is that one place only', () => {
    const p = choosePlacement({ enabled: ['chinamobile', 'aliyun'], regionsOf, providerType: 'aliyun', requestedRegion: 'cn-shanghai' });
    expect(where(p.candidates)).toEqual(['aliyun/cn-shanghai']);
    expect(p).toMatchObject({ strategy: 'manual', fallback: false, reason: expect.stringContaining('manual: pinned to provider aliyun, region cn-shanghai, nowhere else') });
  });

  it('with fallback allowed, the pinned candidates come first and the auto order follows', () => {
    const p = choosePlacement({ enabled: ['chinamobile', 'aliyun'], regionsOf, providerType: 'aliyun', requestedRegion: 'cn-shanghai', fallback: true, random: first });
    expect(where(p.candidates)).toEqual(['aliyun/cn-shanghai', 'chinamobile/CIDC-RP-29', 'chinamobile/CIDC-RP-25', 'aliyun/cn-hangzhou']);
    expect(p.reason).toContain('fallback allowed');
  });

  it('a pinned provider that is unavailable is refused as unavailable (not silently replaced)…', () => {
    const unavailable = (c: Candidate) => (c.providerType === 'aliyun' ? 'down' : undefined);
    const refused = () => choosePlacement({ enabled: ['chinamobile', 'aliyun'], regionsOf, providerType: 'aliyun', unavailable });
    expect(refused).toThrow(expect.objectContaining({ kind: 'unavailable', field: 'providerType', message: expect.stringContaining('the requested placement is unavailable: down') }));
  });

  it('…unless the request allowed fallback', () => {
    const unavailable = (c: Candidate) => (c.providerType === 'aliyun' ? 'down' : undefined);
    const p = choosePlacement({ enabled: ['chinamobile', 'aliyun'], regionsOf, providerType: 'aliyun', fallback: true, unavailable, random: first });
    expect(where(p.candidates)).toEqual(['chinamobile/CIDC-RP-29', 'chinamobile/CIDC-RP-25']);
    expect(p.excluded.map((e) => e.why)).toEqual(['down', 'down']);
  });

  it('refuses a provider that is not enabled, and a region the pinned provider does not serve', () => {
    expect(() => orderCandidates({ enabled: ['docker'], regionsOf, providerType: 'aliyun' })).toThrow(SelectionError);
    expect(() => orderCandidates({ enabled: ['docker', 'aliyun'], regionsOf, providerType: 'aliyun', requestedRegion: 'local' })).toThrow('provider "aliyun" does not serve region "local"');
  });

  it('is for the plans in policies.selection.manualPlans: another plan naming a provider is a 403 saying why', () => {
    for (const planId of policies.selection.manualPlans) expect(() => checkManualPlacement({ planId, providerType: 'aliyun' })).not.toThrow();
    const basic = () => checkManualPlacement({ planId: 'basic', providerType: 'aliyun' });
    expect(policies.selection.manualPlans).not.toContain('basic');
    expect(basic).toThrow(HttpError);
    expect(basic).toThrow(expect.objectContaining({ status: 403, code: 'manual_placement_not_allowed', message: expect.stringContaining('the "basic" plan cannot choose its provider') }));
    // A region alone is auto selection's region rule, open to every plan.
    expect(() => checkManualPlacement({ planId: 'basic', region: 'cn-hangzhou' })).not.toThrow();
  });
});

describe('auto selection (策略2): the rules engine', () => {
  it('a requested region keeps only the providers serving it — never elsewhere', () => {
    const p = choosePlacement({ enabled: all, regionsOf, requestedRegion: 'cn-shanghai', random: first });
    expect(where(p.candidates)).toEqual(['aliyun/cn-shanghai']);
    expect(p).toMatchObject({ strategy: 'auto', reason: expect.stringContaining('; region cn-shanghai only; first aliyun/cn-shanghai') });
    expect(() => orderCandidates({ enabled: ['docker'], regionsOf, requestedRegion: 'mars-1' })).toThrow('no enabled provider serves region "mars-1"');
  });

  it('low latency in China: Chinese clouds only ahead, nearest region first', () => {
    const p = choosePlacement({ enabled: all, regionsOf, preference: 'low-latency', near: 'beijing' });
    expect(where(p.candidates)).toEqual(['chinamobile/CIDC-RP-29', 'chinamobile/CIDC-RP-25', 'aliyun/cn-shanghai', 'aliyun/cn-hangzhou', 'tencent/ap-guangzhou', 'docker/local']);
    const km = p.candidates.slice(0, -1).map((c) => distanceKm('beijing', c.region)!);
    expect(km).toEqual([...km].sort((a, b) => a - b));
    expect(p.reason).toContain(AUTO_RULES['low-latency'].why);
    expect(p.reason).toContain(`first chinamobile/CIDC-RP-29 (${distanceKm('beijing', 'CIDC-RP-29')} km from beijing)`);
    const south = choosePlacement({ enabled: all, regionsOf, preference: 'low-latency', near: 'shenzhen' });
    expect(south.candidates[0]).toEqual({ providerType: 'tencent', region: 'ap-guangzhou' });
  });

  it('container preference: Docker first', () => {
    expect(choosePlacement({ enabled: all, regionsOf, preference: 'container' }).candidates[0]).toEqual({ providerType: 'docker', region: 'local' });
  });

  it("cheapest: the plan's list price compared across every provider and region, cheapest first, unpriced last", () => {
    const spec = specForPlan('basic');
    const p = choosePlacement({ enabled: all, regionsOf, preference: 'cheapest', spec });
    const prices = p.candidates.map((c) => listPrice(c.providerType, spec)?.monthlyCny ?? Infinity);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(p.candidates.at(-1)).toEqual({ providerType: 'docker', region: 'local' });
    // The catalogs' cheapest 2C4G: Tencent SA2.MEDIUM4 at ¥116, under Aliyun's ¥118 and ECloud's ¥180.
    expect(p.candidates[0]).toEqual({ providerType: 'tencent', region: 'ap-guangzhou' });
    expect(p.reason).toContain('first tencent/ap-guangzhou (¥116/month, SA2.MEDIUM4)');
  });

  it('multi-active: the first provider is drawn by policies.selection.weights; its regions stay together', () => {
    const { weights } = policies.selection;
    const total = all.reduce((s, t) => s + weights[t], 0);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      const roll = (i + 0.5) / 1000; // an even sweep of the draw
      const c = choosePlacement({ enabled: all, regionsOf, random: () => roll }).candidates;
      counts[c[0].providerType] = (counts[c[0].providerType] ?? 0) + 1;
    }
    for (const t of all) expect(counts[t] / 1000).toBeCloseTo(weights[t] / total, 2);
    const once = where(choosePlacement({ enabled: all, regionsOf, random: first }).candidates);
    expect(once.slice(0, 2)).toEqual(['chinamobile/CIDC-RP-29', 'chinamobile/CIDC-RP-25']);
  });

  it('leaves out unhealthy candidates with the health record as the reason', () => {
    const unavailable = unavailableLookup([
      { providerType: 'chinamobile', region: 'CIDC-RP-29', available: false, consecutiveFailures: 3, lastError: 'Transient: HTTP 503', changedAt: '2026-01-01T00:00:00.000Z' },
      { providerType: 'aliyun', region: 'cn-hangzhou', available: true, consecutiveFailures: 1, lastError: 'x', changedAt: '2026-01-01T00:00:00.000Z' },
    ]);
    const p = choosePlacement({ enabled: ['chinamobile', 'aliyun'], regionsOf, random: first, unavailable });
    expect(where(p.candidates)).toEqual(['chinamobile/CIDC-RP-25', 'aliyun/cn-hangzhou', 'aliyun/cn-shanghai']);
    expect(p.excluded).toEqual([{ providerType: 'chinamobile', region: 'CIDC-RP-29', why: 'unavailable since 2026-01-01T00:00:00.000Z: 3 failed health checks in a row, last: Transient: HTTP 503' }]);
    expect(p.reason).toContain('left out: chinamobile/CIDC-RP-29 (unavailable since');
  });

  it('everything unavailable is an "unavailable" refusal, not a bad request', () => {
    expect(() => choosePlacement({ enabled: ['docker'], regionsOf, unavailable: () => 'down' })).toThrow(expect.objectContaining({ kind: 'unavailable', message: 'every enabled provider is unavailable: down' }));
  });

  it('refuses when nothing is enabled', () => {
    expect(() => orderCandidates({ enabled: [], regionsOf })).toThrow('no provider is enabled');
  });
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
