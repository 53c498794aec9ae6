/** The failure kind a box's lastError is counted under in vibebox_status_changes_total. */
import { failureKindOf } from '../../activities/metrics';

it('is the provider failure kind a provisioning error starts with', () => {
  expect(failureKindOf('InsufficientStock: no stock in cn-beijing-a')).toBe('InsufficientStock');
  expect(failureKindOf('Throttled: RequestLimitExceeded')).toBe('Throttled');
});

it("is `operation` for an operation's own words, or a word that is no kind", () => {
  expect(failureKindOf('stop failed: timed out after 120000 ms')).toBe('operation');
  expect(failureKindOf('Error: something')).toBe('operation');
  expect(failureKindOf(undefined)).toBe('operation');
});
