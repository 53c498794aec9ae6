/**
 * The health rule (workflows/health.ts) with policies.health's own numbers: failures in a row up
 * to `unavailableAfter` keep a provider available, the next one marks it unavailable (an alert is
 * due), one success brings it back; and the health Schedule is declared at policies.health.every.
 */
import type { HealthRecord } from '../../workflows/definitions';
import { nextHealth } from '../../workflows/health';
import { policies } from '../../workflows/policies';
import { fleetSchedules } from '../../workflows/schedules';

const target = { providerType: 'aliyun' as const, region: 'cn-hangzhou' };
const fail = { ok: false as const, reason: 'Transient: HTTP 503' };
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

function run(outcomes: Array<{ ok: true } | typeof fail>) {
  let record: HealthRecord | undefined;
  return outcomes.map((o, i) => {
    const next = nextHealth(target, record, o, at(i * 5), policies.health);
    record = next.record;
    return next;
  });
}

describe('health rule', () => {
  const n = policies.health.unavailableAfter;

  it(`${n} failures in a row mark a provider unavailable — the ${n}th, not before, raises the alert`, () => {
    const steps = run(Array(n).fill(fail));
    expect(steps.map((s) => s.record.available)).toEqual([...Array(n - 1).fill(true), false]);
    expect(steps.map((s) => s.changed)).toEqual([...Array(n - 1).fill(false), true]);
    expect(steps.at(-1)!.record).toMatchObject({ consecutiveFailures: n, lastError: fail.reason, lastOkAt: null, changedAt: at((n - 1) * 5) });
  });

  it('a success in between starts the count again', () => {
    const steps = run([...Array(n - 1).fill(fail), { ok: true }, ...Array(n - 1).fill(fail)]);
    expect(steps.every((s) => s.record.available)).toBe(true);
    expect(steps.at(-1)!.record.consecutiveFailures).toBe(n - 1);
  });

  it('one success brings an unavailable provider back (and that change raises an alert too)', () => {
    const steps = run([...Array(n + 2).fill(fail), { ok: true }]);
    expect(steps.filter((s) => s.changed).map((s) => s.record.available)).toEqual([false, true]);
    expect(steps.at(-1)!.record).toMatchObject({ available: true, consecutiveFailures: 0, lastError: null, lastOkAt: at((n + 2) * 5) });
  });

  it('the health Schedule runs providerHealthWorkflow every policies.health.every, one per task queue', () => {
    const [health] = fleetSchedules('q1', policies, { reconcileDryRun: false }).filter((s) => s.workflowType === 'providerHealthWorkflow');
    expect(health).toMatchObject({ scheduleId: 'q1/provider-health', every: 5 * 60_000, taskQueue: 'q1' });
    expect(health.every).toBe(policies.health.every);
  });
});
