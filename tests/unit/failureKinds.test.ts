/**
 * Failure kinds are one union from the adapter to the policy: a misspelt kind is a compile error
 * (`npx tsc -p .` runs these `@ts-expect-error` lines), and a foreign failure type reads as Transient.
 */
import { FAILURE_KINDS, FailureKind, isFailureKind } from '../../providers/calls';
import { ProviderError } from '../../providers/errors';
import type { RetryRule } from '../../workflows/policies';
import { policies } from '../../workflows/policies';

it('a misspelt failure kind does not compile anywhere a kind is named', () => {
  // @ts-expect-error — not a kind
  const bad: FailureKind = 'InsufficentStock';
  // @ts-expect-error — ProviderError takes only kinds
  const err = new ProviderError('Throttling', 'x');
  // @ts-expect-error — policies name kinds, not strings
  const rule: RetryRule = { maxAttempts: 1, interval: 0, alsoRetry: ['NoStock'] };
  expect([bad, err.kind, rule.alsoRetry]).toBeDefined();
});

it('policy kinds are real kinds', () => {
  for (const k of [...policies.failover.onKinds, ...(policies.create.alsoRetry ?? [])]) expect(FAILURE_KINDS).toContain(k);
  expect(isFailureKind('Transient')).toBe(true);
  expect(isFailureKind('transient')).toBe(false);
  expect(isFailureKind(undefined)).toBe(false);
});
