/**
 * What the reconciler (workflows/reconciler.ts) needs to know about the fleet, and the two things
 * it does that are not provider calls. Facts only — which resources carry our tags, which rows
 * and workflows claim them — never the decision: grace periods and what to do are the workflow's.
 * Orphans are deleted through the ordinary providerAction activity, so the audit log records them.
 */
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import { and, eq, inArray, isNotNull, isNull, lt } from 'drizzle-orm';
import { reconcileRuns, vibeboxes } from '../drizzle/schema';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { ProviderPool } from '../providers/pool';
import { ProviderType, ResourceStatus } from '../providers/types';
import { boxWorkflowStart, PROJECT_TAG_VALUE, RESOURCE_TAGS, stateQuery, VIBEBOX_WORKFLOW_TYPE, VibeBoxStatus, workflowIdFor } from '../workflows/definitions';
import { PlanId, PLAN_IDS } from '../workflows/plans';
import { asActivity } from './failures';
import { heartbeating } from './heartbeat';

export interface ReconcileTarget {
  providerType: ProviderType;
  region: string;
}

/** A resource carrying this deployment's tags, as the provider listed it. */
export interface TaggedResource {
  resourceId: string;
  status: ResourceStatus;
  /** ISO time the cloud says it was made. */
  createdAt: string;
  /** The `vibeboxId` tag: the box it was made for. */
  vibeboxId?: string;
}

/**
 * Who claims a resource. `row`: the box's Postgres row shows this resource. `workflow`: the box's
 * workflow is running and its state holds it (`owns`), running without it (`running`), ended
 * (`closed`), never started (`none`), or could not be asked (`unknown`: treated as owning).
 */
export interface Ownership {
  row: boolean;
  workflow: 'owns' | 'running' | 'closed' | 'none' | 'unknown' | 'not asked';
}

/** A box's workflow, as Temporal describes it. */
export type WorkflowFact =
  | { state: 'none' }
  | { state: 'closed'; closedAs: string }
  | { state: 'running'; status: VibeBoxStatus; holds: string[] }
  | { state: 'unknown'; error: string };

export interface ReconcileRunRecord {
  runId: string;
  dryRun: boolean;
  startedAt: string;
  counts: { resourcesSeen: number; orphansFound: number; orphansDeleted: number; vanishedReported: number; rowsResolved: number; errors: number };
  findings: Record<string, unknown>;
}

export interface ReconcileActivityDeps {
  db: Db;
  providers: ProviderPool;
  /** The worker's client: the workflow is the truth about a box, so ownership is asked of it. */
  temporal: Client;
  deployment: string;
  log: Logger;
}

const SETTLED_WITH_RESOURCE: VibeBoxStatus[] = ['active', 'stopped'];

export const createReconcileActivities = ({ db, providers, temporal, deployment, log }: ReconcileActivityDeps) => {
  /** What Temporal says about a box's workflow (and, when it runs, its state); never throws. */
  async function workflowOf(vibeboxId: string): Promise<WorkflowFact> {
    const handle = temporal.workflow.getHandle(workflowIdFor(vibeboxId));
    try {
      const described = await handle.describe();
      if (described.status.name !== 'RUNNING') return { state: 'closed', closedAs: described.status.name };
      const box = await handle.query(stateQuery);
      const holds = [box.resource?.resourceId, box.creating?.resourceId].filter((id): id is string => id !== undefined);
      return { state: 'running', status: box.status, holds };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { state: 'none' };
      log.warn('could not ask a box workflow', { vibeboxId, error: err });
      return { state: 'unknown', error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Whether the box's running workflow holds this resource (as placed, or as the create in flight). */
  async function workflowHolds(vibeboxId: string, resourceId: string): Promise<Ownership['workflow']> {
    const fact = await workflowOf(vibeboxId);
    if (fact.state === 'running') return fact.holds.includes(resourceId) ? 'owns' : 'running';
    return fact.state;
  }

  return {
    /** Every enabled (provider, region): the reconciler looks at each. */
    async reconcileTargets(): Promise<ReconcileTarget[]> {
      return asActivity(async () => providers.enabledTypes().flatMap((providerType) => providers.regionsOf(providerType).map((region) => ({ providerType, region }))));
    },

    /** Resources in one (provider, region) tagged as this deployment's, through the provider's own filter. */
    async listTaggedResources(target: ReconcileTarget): Promise<TaggedResource[]> {
      return asActivity(async () => {
        const provider = await providers.get(target.providerType, target.region);
        // A whole fleet may be many pages: heartbeat on a clock while the provider reads them.
        const found = await heartbeating(
          () => target,
          () => provider.listResources({ tags: { [RESOURCE_TAGS.project]: PROJECT_TAG_VALUE, [RESOURCE_TAGS.deployment]: deployment } }),
        );
        return found.map((info) => {
          const tags = (info.metadata.tags ?? {}) as Record<string, string>;
          return { resourceId: info.id, status: info.status, createdAt: info.createdAt.toISOString(), vibeboxId: tags[RESOURCE_TAGS.vibeboxId] };
        });
      });
    },

    /**
     * For each resource: does its box's row show it, and (only when it does not) does the box's
     * running workflow hold it? Rows are cheap; workflows are asked only about the rest.
     */
    async ownershipFacts(input: { resources: Array<Pick<TaggedResource, 'resourceId' | 'vibeboxId'>> }): Promise<Record<string, Ownership>> {
      return asActivity(async () => {
        const ids = [...new Set(input.resources.flatMap((r) => (r.vibeboxId ? [r.vibeboxId] : [])))];
        const rows = ids.length ? await db.select({ id: vibeboxes.id, resourceId: vibeboxes.resourceId }).from(vibeboxes).where(inArray(vibeboxes.id, ids)) : [];
        const shownBy = new Map(rows.map((r) => [r.id, r.resourceId]));
        const facts: Record<string, Ownership> = {};
        for (const r of input.resources) {
          Context.current().heartbeat(r.resourceId);
          const row = r.vibeboxId !== undefined && shownBy.get(r.vibeboxId) === r.resourceId;
          facts[r.resourceId] = { row, workflow: row ? 'not asked' : r.vibeboxId ? await workflowHolds(r.vibeboxId, r.resourceId) : 'none' };
        }
        return facts;
      });
    },

    /** This deployment's settled boxes in one (provider, region) whose row shows a resource, untouched for `quietForMs`. */
    async boxesWithResources(input: ReconcileTarget & { quietForMs: number }): Promise<Array<{ vibeboxId: string; resourceId: string }>> {
      return asActivity(async () => {
        const rows = await db
          .select({ vibeboxId: vibeboxes.id, resourceId: vibeboxes.resourceId })
          .from(vibeboxes)
          .where(
            and(
              eq(vibeboxes.deployment, deployment),
              eq(vibeboxes.providerType, input.providerType),
              eq(vibeboxes.region, input.region),
              inArray(vibeboxes.status, SETTLED_WITH_RESOURCE),
              isNotNull(vibeboxes.resourceId),
              lt(vibeboxes.updatedAt, new Date(Date.now() - input.quietForMs)),
            ),
          );
        return rows.map((r) => ({ vibeboxId: r.vibeboxId, resourceId: r.resourceId! }));
      });
    },

    /**
     * This deployment's rows still `provisioning` that were created more than `olderThanMs` ago,
     * with their workflows and whether the API confirmed the start (`workflow_started_at`).
     */
    async provisioningRows(input: { olderThanMs: number }): Promise<Array<{ vibeboxId: string; unconfirmed: boolean; workflow: WorkflowFact }>> {
      return asActivity(async () => {
        const rows = await db
          .select({ id: vibeboxes.id, workflowStartedAt: vibeboxes.workflowStartedAt })
          .from(vibeboxes)
          .where(and(eq(vibeboxes.deployment, deployment), eq(vibeboxes.status, 'provisioning'), lt(vibeboxes.createdAt, new Date(Date.now() - input.olderThanMs))));
        const out: Array<{ vibeboxId: string; unconfirmed: boolean; workflow: WorkflowFact }> = [];
        for (const r of rows) {
          Context.current().heartbeat(r.id);
          out.push({ vibeboxId: r.id, unconfirmed: r.workflowStartedAt === null, workflow: await workflowOf(r.id) });
        }
        return out;
      });
    },

    /**
     * Starts the workflow a row never got (the API stopped between its insert and the start, or
     * lost the start's answer; or an operator terminated it): with the same id and input the API
     * would have used (boxWorkflowStart), so a start that did happen meanwhile wins. Unlike the
     * API's, this start may reuse the id of an ended run — the row, read again just now, says the
     * box is still wanted and still `provisioning`. Either way the row is marked started.
     */
    async startBoxWorkflow(input: { vibeboxId: string }): Promise<'started' | 'already running' | 'row gone'> {
      return asActivity(async () => {
        const [row] = await db.select().from(vibeboxes).where(and(eq(vibeboxes.id, input.vibeboxId), eq(vibeboxes.status, 'provisioning')));
        if (!row) return 'row gone';
        if (!(PLAN_IDS as string[]).includes(row.planId)) throw new Error(`row ${row.id} names unknown plan ${row.planId}`);
        const start = { ...boxWorkflowStart({ ...row, planId: row.planId as PlanId }, Context.current().info.taskQueue), workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const };
        let outcome: 'started' | 'already running' = 'started';
        try {
          await temporal.workflow.start(VIBEBOX_WORKFLOW_TYPE, start);
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          outcome = 'already running';
        }
        await db.update(vibeboxes).set({ workflowStartedAt: new Date() }).where(and(eq(vibeboxes.id, row.id), isNull(vibeboxes.workflowStartedAt)));
        return outcome;
      });
    },

    /** One row per run: the counts as columns, everything seen and done in `findings`. */
    async recordReconcileRun(run: ReconcileRunRecord): Promise<void> {
      await db.insert(reconcileRuns).values({
        runId: run.runId,
        deployment,
        dryRun: run.dryRun,
        startedAt: new Date(run.startedAt),
        ...run.counts,
        findings: run.findings,
      });
      log.info('reconcile run', { runId: run.runId, deployment, dryRun: run.dryRun, ...run.counts });
    },
  };
};

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
