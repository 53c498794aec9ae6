/** The admission rules as plain functions: environment overrides, the Idempotency-Key format and hash, plan fit. */
import { admissionRulesFromEnv, IdempotencyKey, requestHash } from '../../api/admission';
import { CATALOG_SIZES, misfit } from '../../providers/capacity';
import { policies } from '../../workflows/policies';

describe('admission rules', () => {
  it('default to policies.admission', () => {
    expect(admissionRulesFromEnv({})).toEqual({
      quota: policies.admission.quota,
      createRate: policies.admission.createRate,
      idempotencyKeyTtl: policies.admission.idempotencyKeyTtl,
    });
  });

  it('take overrides from the environment', () => {
    const rules = admissionRulesFromEnv({ VIBEBOX_QUOTA_BASIC: '40', VIBEBOX_QUOTA_TOTAL: '41', VIBEBOX_CREATE_BURST: '2', VIBEBOX_CREATE_PER_MINUTE: '0.5' });
    expect(rules.quota).toEqual({ perPlan: { ...policies.admission.quota.perPlan, basic: 40 }, total: 41 });
    expect(rules.createRate).toEqual({ burst: 2, perMinute: 0.5 });
  });

  it.each([['VIBEBOX_QUOTA_PRO', '-1'], ['VIBEBOX_QUOTA_TOTAL', 'many'], ['VIBEBOX_CREATE_PER_MINUTE', '0']])('refuse %s=%s at start', (name, value) => {
    expect(() => admissionRulesFromEnv({ [name]: value })).toThrow(`${name}=${value}`);
  });
});

describe('Idempotency-Key', () => {
  it('hashes the request the same whatever the order of its fields, and differently when a field differs', () => {
    expect(requestHash({ planId: 'basic', providerType: 'docker' })).toBe(requestHash({ providerType: 'docker', planId: 'basic' }));
    expect(requestHash({ planId: 'basic' })).not.toBe(requestHash({ planId: 'basic', region: 'local' }));
  });

  it.each([['a UUID', '3f0c8a4e-6b1f-4f6e-9a51-0d8c2f7e4b11', true], ['255 characters', 'k'.repeat(255), true], ['256 characters', 'k'.repeat(256), false], ['a space', 'a b', false], ['non-ASCII', 'clé', false]])(
    'accepts %s: %s',
    (_name, key, ok) => {
      expect(IdempotencyKey.safeParse(key).success).toBe(ok);
    },
  );
});

describe('plan fit', () => {
  it('a size that fits is no misfit; one that does not says what the place can hold and what the plan needs', () => {
    expect(misfit({ cpu: 2, memory: 4 }, [{ cpu: 2, memoryGiB: 23.5 }], 'docker in local')).toBeUndefined();
    expect(misfit({ cpu: 8, memory: 16 }, [{ cpu: 2, memoryGiB: 23.54 }], 'docker in local')).toBe(
      'docker in local can place at most 2 vCPU and 23.5 GiB in one box; the plan needs 8 vCPU and 16 GiB',
    );
  });

  it("every cloud's catalog fits every plan today", () => {
    for (const sizes of Object.values(CATALOG_SIZES)) {
      for (const need of [{ cpu: 2, memory: 4 }, { cpu: 4, memory: 8 }, { cpu: 8, memory: 16 }]) expect(misfit(need, sizes!, 'cloud')).toBeUndefined();
    }
  });
});
