/**
 * The reconciler (DESIGN.md: fleet control loops), run by a Schedule (schedules.ts): tagged
 * resources against live boxes, per enabled (provider, region), in one child workflow each.
 *
 * - A resource tagged with this deployment that no live box owns — its box's row does not show it
 *   and its box's running workflow does not hold it — and older than `orphanGrace` is deleted,
 *   forced, through the ordinary activity (so the audit log has it), and reported.
 * - A settled box whose resource the provider no longer lists is reported to its workflow
 *   (`checkResource`), which looks for itself and becomes `error` if it is really gone.
 * - A row still `provisioning` with no running workflow (the API stopped between its insert and
 *   the start; or the workflow was terminated) gets its workflow started, with the same id and
 *   input the API would have used: the user was told "provisioning", so provisioning goes on. A
 *   row whose running workflow has moved on is re-projected.
 *
 * Only resources carrying this deployment's tag, and only this deployment's rows, are ever looked
 * at: platforms sharing a cloud account (or a Docker engine) never touch each other's boxes.
 * `dryRun` reports all of it and does none of it. Each run is one `reconcile_runs` row.
 */
import * as wf from '@temporalio/workflow';
import type { VibeBoxActivities } from '../activities';
import type { Ownership, ReconcileTarget, TaggedResource } from '../activities/reconcileActivities';
import { ResourceStatus } from '../providers/types';
import { checkResourceSignal, reprojectSignal, workflowIdFor } from './definitions';
import { classify } from './failures';
import { PolicyOverrides, resolvePolicies } from './policies';

export interface ReconcileInput {
  dryRun: boolean;
  /** Operators' cadence and grace overrides (config), and tests' tighter ones. */
  policyOverrides?: PolicyOverrides;
}

export interface OrphanFinding {
  resourceId: string;
  vibeboxId?: string;
  createdAt: string;
  status: ResourceStatus;
  /** Why no box owns it. */
  reason: string;
  action: 'deleted' | 'would delete' | 'delete failed';
  error?: string;
}

export interface RegionFindings extends ReconcileTarget {
  resourcesSeen: number;
  owned: number;
  /** Unowned, but younger than the grace period: left alone this time. */
  young: number;
  orphans: OrphanFinding[];
  vanished: Array<{ vibeboxId: string; resourceId: string; action: 'reported' | 'would report' | 'report failed'; error?: string }>;
  /** The region could not be reconciled this time (listing failed…). */
  error?: string;
}

export interface RowFinding {
  vibeboxId: string;
  workflow: string;
  action: 'started workflow' | 'would start workflow' | 'confirmed start' | 'would confirm start' | 'reprojected' | 'would reproject' | 'none' | 'failed';
  error?: string;
}

export interface ReconcileReport {
  regions: RegionFindings[];
  rows: RowFinding[];
  counts: { resourcesSeen: number; orphansFound: number; orphansDeleted: number; vanishedReported: number; rowsResolved: number; errors: number };
}

function proxies(input: ReconcileInput) {
  const P = resolvePolicies(input.policyOverrides);
  const acts = wf.proxyActivities<VibeBoxActivities>({
    startToCloseTimeout: P.reconcile.activityTimeout,
    heartbeatTimeout: P.wait.heartbeatTimeout,
    // Facts may be retried as they are; a failed delete is reported and tried again next run.
    retry: { maximumAttempts: 3, initialInterval: P.wait.initialInterval },
  });
  return { P, acts };
}

/** One run over the whole deployment: a child per (provider, region), then the rows, then the record. */
export async function reconcilerWorkflow(input: ReconcileInput): Promise<ReconcileReport> {
  const { P, acts } = proxies(input);
  const startedAt = new Date(Date.now()).toISOString();
  const runId = wf.workflowInfo().workflowId;
  const targets = await acts.reconcileTargets();
  const regions = await Promise.all(
    targets.map((target) =>
      wf
        .executeChild(reconcileRegionWorkflow, { workflowId: `${runId}/${target.providerType}/${target.region}`, args: [{ ...input, target }] })
        .catch((err: unknown): RegionFindings => ({ ...target, resourcesSeen: 0, owned: 0, young: 0, orphans: [], vanished: [], error: errorText(err) })),
    ),
  );
  const rows = await resolveRows(input, P.reconcile.rowGrace, acts);
  const report: ReconcileReport = { regions, rows, counts: countsOf(regions, rows) };
  await acts.recordReconcileRun({ runId, dryRun: input.dryRun, startedAt, counts: report.counts, findings: { regions, rows } });
  wf.log.info('reconcile run finished', { dryRun: input.dryRun, ...report.counts });
  return report;
}

/** One (provider, region): list what carries our tags, find who owns it, act on the rest. */
export async function reconcileRegionWorkflow(input: ReconcileInput & { target: ReconcileTarget }): Promise<RegionFindings> {
  const { P, acts } = proxies(input);
  const { target, dryRun } = input;
  const resources = await acts.listTaggedResources(target);
  const facts = await acts.ownershipFacts({ resources });
  const findings: RegionFindings = { ...target, resourcesSeen: resources.length, owned: 0, young: 0, orphans: [], vanished: [] };

  for (const r of resources) {
    const reason = unowned(r, facts[r.resourceId]);
    if (!reason || r.status === ResourceStatus.DELETING) {
      findings.owned++;
      continue;
    }
    if (Date.now() - Date.parse(r.createdAt) < P.reconcile.orphanGrace) {
      findings.young++;
      continue;
    }
    const orphan: OrphanFinding = { resourceId: r.resourceId, vibeboxId: r.vibeboxId, createdAt: r.createdAt, status: r.status, reason, action: 'would delete' };
    findings.orphans.push(orphan);
    wf.log.warn(dryRun ? 'orphan found (dry run)' : 'deleting orphan', { ...target, ...orphan });
    if (dryRun) continue;
    try {
      await acts.providerAction({ ...target, vibeboxId: r.vibeboxId ?? 'reconciler', resourceId: r.resourceId, action: 'delete', force: true });
      orphan.action = 'deleted';
    } catch (err) {
      Object.assign(orphan, { action: 'delete failed', error: errorText(err) });
    }
  }

  const listed = new Set(resources.map((r) => r.resourceId));
  for (const box of await acts.boxesWithResources({ ...target, quietForMs: P.reconcile.rowGrace })) {
    if (listed.has(box.resourceId)) continue;
    const finding: RegionFindings['vanished'][number] = { ...box, action: 'would report' };
    findings.vanished.push(finding);
    if (dryRun) continue;
    try {
      await wf.getExternalWorkflowHandle(workflowIdFor(box.vibeboxId)).signal(checkResourceSignal, { resourceId: box.resourceId });
      finding.action = 'reported';
    } catch (err) {
      Object.assign(finding, { action: 'report failed', error: errorText(err) });
    }
  }
  return findings;
}

/** Why nobody owns a resource; undefined when someone does (or might: a workflow that could not be asked). */
function unowned(r: TaggedResource, o: Ownership | undefined): string | undefined {
  if (!r.vibeboxId) return 'no vibeboxId tag';
  if (!o || o.row || o.workflow === 'owns' || o.workflow === 'unknown') return undefined;
  switch (o.workflow) {
    case 'none':
      return `box ${r.vibeboxId} has no workflow`;
    case 'closed':
      return `box ${r.vibeboxId}'s workflow has ended`;
    default:
      return `box ${r.vibeboxId} does not hold this resource`;
  }
}

/**
 * Rows still `provisioning` after the row grace: start the workflow they never got; mark a start
 * the API could not confirm (its answer lost) whose workflow does run; re-project a moved-on one.
 */
async function resolveRows(input: ReconcileInput, rowGrace: number, acts: ReturnType<typeof proxies>['acts']): Promise<RowFinding[]> {
  const out: RowFinding[] = [];
  for (const { vibeboxId, unconfirmed, workflow } of await acts.provisioningRows({ olderThanMs: rowGrace })) {
    const finding: RowFinding = { vibeboxId, workflow: workflow.state, action: 'none' };
    try {
      if (workflow.state === 'none' || workflow.state === 'closed') {
        finding.action = input.dryRun ? 'would start workflow' : 'started workflow';
        if (!input.dryRun) await acts.startBoxWorkflow({ vibeboxId });
      } else if (workflow.state === 'running') {
        if (unconfirmed) {
          // Starting it again finds it running, and marks the row started.
          finding.action = input.dryRun ? 'would confirm start' : 'confirmed start';
          if (!input.dryRun) await acts.startBoxWorkflow({ vibeboxId });
        }
        if (workflow.status !== 'provisioning') {
          finding.action = input.dryRun ? 'would reproject' : 'reprojected';
          if (!input.dryRun) await wf.getExternalWorkflowHandle(workflowIdFor(vibeboxId)).signal(reprojectSignal);
        }
      }
    } catch (err) {
      Object.assign(finding, { action: 'failed', error: errorText(err) });
    }
    if (finding.action !== 'none') {
      wf.log.warn('provisioning row resolved', { ...finding });
      out.push(finding);
    }
  }
  return out;
}

function countsOf(regions: RegionFindings[], rows: RowFinding[]): ReconcileReport['counts'] {
  const orphans = regions.flatMap((r) => r.orphans);
  const vanished = regions.flatMap((r) => r.vanished);
  return {
    resourcesSeen: regions.reduce((n, r) => n + r.resourcesSeen, 0),
    orphansFound: orphans.length,
    orphansDeleted: orphans.filter((o) => o.action === 'deleted').length,
    vanishedReported: vanished.filter((v) => v.action === 'reported').length,
    rowsResolved: rows.filter((r) => ['started workflow', 'confirmed start', 'reprojected'].includes(r.action)).length,
    errors:
      regions.filter((r) => r.error).length +
      orphans.filter((o) => o.error).length +
      vanished.filter((v) => v.error).length +
      rows.filter((r) => r.error).length,
  };
}

function errorText(err: unknown): string {
  try {
    return classify(err).message;
  } catch {
    return err instanceof Error ? err.message : String(err);
  }
}
