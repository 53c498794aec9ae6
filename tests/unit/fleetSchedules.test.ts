/** The reconciler's Schedule as declared from operator settings: cadence, graces and dry run reach it; nothing else does. */
import { policies } from '../../workflows/policies';
import { fleetSchedules, reconcileScheduleId } from '../../workflows/schedules';

describe('the reconciler Schedule', () => {
  it('runs every 5 minutes, acting, with the policy graces when nothing is configured', () => {
    const [reconcile] = fleetSchedules('vibebox', policies, { reconcileDryRun: false });
    expect(reconcile).toMatchObject({ scheduleId: reconcileScheduleId('vibebox'), every: 5 * 60_000, taskQueue: 'vibebox', args: [{ dryRun: false }] });
    expect(reconcileScheduleId('vibebox')).toBe('vibebox/reconcile');
    // A stuck run (with overlap skipped) must not hold up every later tick.
    expect(reconcile.runTimeout).toBe(policies.reconcile.runTimeout);
    expect(reconcile.runTimeout).toBeGreaterThan(reconcile.every);
  });

  it("carries an operator's cadence, graces and dry run", () => {
    const [reconcile] = fleetSchedules('q', policies, { reconcileDryRun: true, reconcileEvery: 60_000, orphanGrace: 3_600_000, rowGrace: 600_000 });
    expect(reconcile.every).toBe(60_000);
    expect(reconcile.args).toEqual([{ dryRun: true, policyOverrides: { reconcile: { orphanGrace: 3_600_000, rowGrace: 600_000 } } }]);
  });

  it('keeps the orphan grace longer than a whole create, so a create in flight is never taken for an orphan', () => {
    expect(policies.reconcile.orphanGrace).toBeGreaterThan(policies.create.timeout + policies.createCall.timeout);
  });

  it('judges a row only once the create request that inserted it can no longer be in flight', () => {
    expect(policies.reconcile.rowGrace).toBeGreaterThan(policies.admission.createInFlight);
  });
});
