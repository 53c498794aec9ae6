/**
 * Fleet Schedules are declared, not scripted: ensureSchedules creates what is missing, brings a
 * changed cadence or argument back in line, changes nothing when nothing changed, and leaves an
 * operator's pause alone. Real Temporal dev server.
 */
import { randomUUID } from 'node:crypto';
import { connectTemporal } from '../../api/temporalClient';
import { DeclaredSchedule, ensureSchedules } from '../../lib/temporalSchedules';
import { requireEnv } from '../support/platform';

it('creates a missing schedule, updates a changed one, leaves a paused one paused', async () => {
  const { client, connection } = await connectTemporal(requireEnv('TEMPORAL_ADDRESS'), 'default');
  const taskQueue = `test-${randomUUID().slice(0, 8)}`;
  const declared: DeclaredSchedule = {
    scheduleId: `${taskQueue}/probe`,
    workflowType: 'noSuchWorkflow', // never runs: the schedule is paused before its first tick
    args: [{ region: 'a' }],
    every: 3_600_000,
    runTimeout: 600_000,
    taskQueue,
    note: 'test schedule',
  };
  const handle = client.schedule.getHandle(declared.scheduleId);
  try {
    await ensureSchedules(client, [declared]);
    await handle.pause('paused by the operator');
    const first = await handle.describe();
    expect(first.spec.intervals?.[0]?.every).toBe(3_600_000);
    expect((first.action as { workflowExecutionTimeout?: number }).workflowExecutionTimeout).toBe(600_000);

    await ensureSchedules(client, [declared]); // nothing changed: nothing to do
    expect((await handle.describe()).state.note).toBe('paused by the operator');

    await ensureSchedules(client, [{ ...declared, every: 1_800_000, args: [{ region: 'b' }], runTimeout: 300_000 }]);
    const updated = await handle.describe();
    expect(updated.spec.intervals?.[0]?.every).toBe(1_800_000);
    expect((updated.action as { workflowExecutionTimeout?: number }).workflowExecutionTimeout).toBe(300_000);
    expect((updated.action as { args: unknown[] }).args).toEqual([{ region: 'b' }]);
    expect(updated.state.paused).toBe(true);
  } finally {
    await handle.delete().catch(() => undefined);
    await connection.close();
  }
});
