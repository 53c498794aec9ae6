/**
 * The invariants a scenario must end with, judged from its requests and the inventory:
 *
 * - duplicates: live instances beyond the first for one box (Σ max(0, live − 1));
 * - orphans: live instances no box names as its resource (the box is gone, unknown, or errored
 *   without it), and containers that back no live instance;
 * - lost requests: a 202 without a row or without a running workflow, a row without a running
 *   workflow, or a box (row or workflow) made by a request that was refused or never answered —
 *   every answer must be the truth;
 * - settled: `active` with its instance running, or `error` with a reason and no live instance.
 *   Row and workflow must agree on the status.
 *
 * An instance may count as both a duplicate and an orphan; either way it is a defect.
 */
import type { VibeBoxRow } from '../../drizzle/schema';
import { Inventory, InstanceView, LIVE } from './inventory';
import { accepted, BoxRequest } from './load';

export interface Verdict {
  requests: number;
  accepted: number;
  active: number;
  error: number;
  /** Accepted boxes that are neither cleanly active nor cleanly error. */
  unsettled: number;
  lost: number;
  duplicates: number;
  orphans: number;
  /** The boxes that ended cleanly in `error`, with their reason (allowed, but worth reading). */
  errors: Array<{ id: string; cloud: string; reason: string }>;
  problems: string[];
}

function groupBy<T>(items: T[], key: (t: T) => string | undefined): Map<string | undefined, T[]> {
  const out = new Map<string | undefined, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** Why a box is not cleanly settled, or undefined when it is. */
function unsettledReason(row: VibeBoxRow, live: InstanceView[]): string | undefined {
  if (row.status === 'active') {
    const own = live.find((i) => i.id === row.resourceId);
    if (!own) return `is active but its instance ${row.resourceId} is not live`;
    if (own.state !== 'running') return `is active but its instance ${own.id} is ${own.state}`;
    return undefined;
  }
  if (row.status === 'error') {
    if (!row.lastError?.trim()) return 'is error without a reason';
    if (live.length) return `is error but still has live instance(s) ${live.map((i) => i.id).join(', ')}`;
    return undefined;
  }
  return `is still ${row.status}`;
}

export function judge(requests: BoxRequest[], inv: Inventory): Verdict {
  const problems: string[] = [];
  const ok = requests.filter(accepted);
  const acceptedIds = new Set(ok.map((r) => r.id));
  const rows = new Map(inv.rows.map((r) => [r.id, r]));
  const live = inv.instances.filter(LIVE);
  const liveByBox = groupBy(live, (i) => i.vibeboxId);
  const running = (id: string) => inv.workflows.get(id)?.status === 'RUNNING';
  let lost = 0;
  let active = 0;
  let error = 0;
  let unsettled = 0;
  const errors: Verdict['errors'] = [];

  for (const r of ok) {
    const row = rows.get(r.id);
    const wf = inv.workflows.get(r.id);
    if (!row || !running(r.id)) {
      lost++;
      problems.push(`lost: request #${r.seq} got 202 for ${r.id} but ${!row ? 'there is no row' : ''}${!row && !running(r.id) ? ' and ' : ''}${!running(r.id) ? `its workflow is ${wf?.status}` : ''}`);
    }
    if (!row) continue;
    const why = unsettledReason(row, liveByBox.get(r.id) ?? []);
    if (why) {
      unsettled++;
      problems.push(`unsettled: ${r.id} (${r.cloud}) ${why}${row.lastError ? ` — ${row.lastError}` : ''}`);
    } else if (row.status === 'active') active++;
    else {
      error++;
      errors.push({ id: r.id, cloud: r.cloud, reason: row.lastError ?? '' });
    }
    if (wf?.state && wf.state.status !== row.status) problems.push(`projection: ${r.id} row says ${row.status}, workflow says ${wf.state.status}`);
  }

  // Boxes nobody was told about: a refused or unanswered request that still made one. (The
  // inventory looked up the workflow of every row, listed workflow and tagged instance.)
  for (const [id, wf] of inv.workflows) {
    if (acceptedIds.has(id)) continue;
    if (rows.has(id) || wf.status !== 'NOT_FOUND') {
      lost++;
      problems.push(`lost: ${id} exists (row: ${rows.has(id) ? rows.get(id)!.status : 'none'}, workflow: ${wf.status}) but no request was answered 202 for it`);
    }
  }

  let duplicates = 0;
  for (const [boxId, instances] of liveByBox) {
    if (instances.length < 2) continue;
    duplicates += instances.length - 1;
    problems.push(`duplicate: box ${boxId} has ${instances.length} live instances: ${instances.map((i) => `${i.cloud}/${i.id} (${i.state})`).join(', ')}`);
  }

  let orphans = 0;
  for (const i of live) {
    const row = i.vibeboxId ? rows.get(i.vibeboxId) : undefined;
    if (row?.resourceId === i.id) continue;
    orphans++;
    const whose = !i.vibeboxId ? 'untagged' : !row ? `box ${i.vibeboxId} has no row` : `box ${i.vibeboxId} is ${row.status} with resource ${row.resourceId ?? 'none'}`;
    problems.push(`orphan: ${i.cloud}/${i.id} (${i.state}): ${whose}`);
  }
  const backed = new Set(live.flatMap((i) => (i.backingId ? [i.backingId] : [])));
  for (const c of inv.containers) {
    if (backed.has(c.id)) continue;
    orphans++;
    problems.push(`orphan: container ${c.id.slice(0, 12)} (${c.state}) of box ${c.vibeboxId} backs no live instance`);
  }
  const containers = new Set(inv.containers.map((c) => c.id));
  for (const i of live) {
    if (i.backingId && !containers.has(i.backingId)) problems.push(`instance ${i.cloud}/${i.id} (${i.state}) has lost its container ${i.backingId.slice(0, 12)}`);
  }

  return { requests: requests.length, accepted: ok.length, active, error, unsettled, lost, duplicates, orphans, errors, problems };
}
