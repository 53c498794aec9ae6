/**
 * The chaos harness's judge (tests/chaos/invariants.ts) on hand-made inventories: it must see
 * each kind of defect the chaos scenarios look for — a clean run passes only if it would have
 * failed a broken one.
 */
import type { VibeBoxRow } from '../../drizzle/schema';
import type { InstanceView, Inventory, WorkflowView } from '../../tests/chaos/inventory';
import { judge } from '../../tests/chaos/invariants';
import type { BoxRequest } from '../../tests/chaos/load';

const request = (seq: number, id?: string, status = id ? 202 : 503): BoxRequest => ({ seq, cloud: 'aliyun', api: seq % 2, sentAt: 0, answeredAt: 10, status, id, phase: 'load' });

const row = (id: string, status: string, resourceId: string | null, lastError: string | null = null) =>
  ({ id, status, resourceId, lastError }) as VibeBoxRow;

const instance = (id: string, vibeboxId: string | undefined, state = 'running'): InstanceView => ({ cloud: 'aliyun', id, state, vibeboxId, backingId: `c-${id}` });

const running = (status: string): WorkflowView => ({ status: 'RUNNING', state: { status } as WorkflowView['state'] & object });

function inventory(rows: VibeBoxRow[], instances: InstanceView[], workflows: Record<string, WorkflowView>): Inventory {
  return {
    rows,
    instances,
    containers: instances.filter((i) => i.state !== 'deleted').map((i) => ({ id: i.backingId!, state: 'running', vibeboxId: i.vibeboxId })),
    workflows: new Map(Object.entries(workflows)),
  };
}

it('passes a clean run: one active box with its instance, one cleanly errored box with nothing live', () => {
  const v = judge(
    [request(0, 'vb-a'), request(1, 'vb-b')],
    inventory([row('vb-a', 'active', 'i-1'), row('vb-b', 'error', null, 'InsufficientStock: none left')], [instance('i-1', 'vb-a'), instance('i-2', 'vb-b', 'deleted')], {
      'vb-a': running('active'),
      'vb-b': running('error'),
    }),
  );
  expect(v).toMatchObject({ accepted: 2, active: 1, error: 1, unsettled: 0, lost: 0, duplicates: 0, orphans: 0, problems: [] });
});

it('counts a second live instance of a box as a duplicate (and, named by no box, as an orphan)', () => {
  const v = judge([request(0, 'vb-a')], inventory([row('vb-a', 'active', 'i-1')], [instance('i-1', 'vb-a'), instance('i-2', 'vb-a')], { 'vb-a': running('active') }));
  expect(v).toMatchObject({ duplicates: 1, orphans: 1 });
  expect(v.problems.join('\n')).toMatch(/duplicate: box vb-a has 2 live instances/);
});

it('counts as orphans: an instance of a box errored without it, of a box with no row, and a container backing nothing', () => {
  const inv = inventory([row('vb-a', 'error', null, 'Transient: boom')], [instance('i-1', 'vb-a'), instance('i-9', 'vb-gone')], { 'vb-a': running('error'), 'vb-gone': { status: 'NOT_FOUND' } });
  inv.containers.push({ id: 'c-leaked', state: 'exited', vibeboxId: 'vb-a' });
  const v = judge([request(0, 'vb-a')], inv);
  expect(v.orphans).toBe(3);
  // …and the errored box is not clean: something of it still lives.
  expect(v.unsettled).toBe(1);
});

it('counts lost requests: a 202 without a row or a running workflow, and a box made by a refused request', () => {
  const v = judge(
    [request(0, 'vb-norow'), request(1, 'vb-nowf'), request(2)],
    inventory([row('vb-nowf', 'provisioning', null), row('vb-ghost', 'active', 'i-1')], [instance('i-1', 'vb-ghost')], {
      'vb-norow': { status: 'NOT_FOUND' },
      'vb-nowf': { status: 'TERMINATED' },
      'vb-ghost': running('active'),
    }),
  );
  expect(v.lost).toBe(3);
  expect(v.problems.join('\n')).toMatch(/vb-ghost exists .* but no request was answered 202/);
});

it('does not count as settled: still provisioning, error without a reason, active without a running instance; and sees row and workflow disagree', () => {
  const v = judge(
    [request(0, 'vb-p'), request(1, 'vb-e'), request(2, 'vb-s')],
    inventory([row('vb-p', 'provisioning', null), row('vb-e', 'error', null, ' '), row('vb-s', 'active', 'i-1')], [instance('i-1', 'vb-s', 'stopped')], {
      'vb-p': running('active'),
      'vb-e': running('error'),
      'vb-s': running('active'),
    }),
  );
  expect(v).toMatchObject({ unsettled: 3, active: 0, error: 0 });
  expect(v.problems.join('\n')).toMatch(/projection: vb-p row says provisioning, workflow says active/);
});
