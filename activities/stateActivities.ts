/**
 * The Postgres projection of each VibeBox's workflow state. The workflow is the truth; these
 * writes make GET fast and keep it answering while Temporal is down. Every write carries the
 * state's sequence number and lands only if it is newer than what the row shows, so a late or
 * retried older write can never take the projection backwards.
 */
import { and, eq, lt, sql } from 'drizzle-orm';
import { vibeboxes } from '../drizzle/schema';
import type { Db } from '../lib/db';
import type { HappyState, VibeBoxState } from '../workflows/definitions';
import type { WorkerMetrics } from './metrics';

/** Who owns a box and what they asked for: enough to re-create a missing row from the workflow. */
export interface BoxIdentity {
  userId: string;
  planId: string;
  requestedProviderType?: string;
  requestedRegion?: string;
}

export const createStateActivities = ({ db, deployment, metrics }: { db: Db; deployment: string; metrics?: WorkerMetrics }) => ({
  /**
   * Writes the state if its `seq` is newer than the row's. A new machine (another resource id)
   * has a new SSH host key, so the one recorded for an earlier machine is forgotten. With
   * `restore`, a missing row is created again (its login password cannot be: it was never in the
   * workflow).
   */
  async recordState(input: { vibeboxId: string; state: VibeBoxState; restore?: BoxIdentity }): Promise<void> {
    const { status, step, resource, lastError, placement, seq = 0 } = input.state;
    metrics?.statusRecorded(status, resource?.providerType, resource?.region);
    const resourceId = resource?.resourceId ?? null;
    const projection = {
      status,
      step: step ?? null,
      providerType: resource?.providerType ?? null,
      region: resource?.region ?? null,
      resourceId,
      ipAddress: resource?.ipAddress ?? null,
      sshPort: resource?.sshPort ?? null,
      sshUser: resource?.sshUser ?? null,
      metadata: resource?.metadata ?? {},
      lastError: lastError ?? null,
      stateSeq: seq,
      updatedAt: new Date(),
    };
    const written = await db
      .update(vibeboxes)
      .set({
        ...projection,
        // Merged over what the API stored (the request), never replacing it.
        ...(placement ? { placement: sql`coalesce(${vibeboxes.placement}, '{}'::jsonb) || ${JSON.stringify(placement)}::jsonb` } : {}),
        // SET expressions read the row as it was: compare with the resource it showed until now.
        sshHostKey: sql`case when ${vibeboxes.resourceId} is not distinct from ${resourceId}::text then ${vibeboxes.sshHostKey} else null end`,
      })
      .where(and(eq(vibeboxes.id, input.vibeboxId), lt(vibeboxes.stateSeq, seq)))
      .returning({ id: vibeboxes.id });
    if (written.length > 0 || !input.restore) return;
    const { userId, planId, requestedProviderType, requestedRegion } = input.restore;
    const happy = input.state.happy ? { happy: input.state.happy } : {};
    await db
      .insert(vibeboxes)
      .values({ id: input.vibeboxId, userId, planId, requestedProviderType, requestedRegion, deployment, ...projection, ...happy, ...(placement ? { placement: { ...placement } } : {}) })
      .onConflictDoNothing();
  },

  /**
   * The Happy pairing, apart from the status: each has its own writer in the workflow. Written
   * only over an older version, so a write that lands late never undoes a newer one.
   */
  async recordHappyState(input: { vibeboxId: string; happy: HappyState }): Promise<void> {
    await db
      .update(vibeboxes)
      .set({ happy: input.happy, updatedAt: new Date() })
      .where(and(eq(vibeboxes.id, input.vibeboxId), sql`coalesce((${vibeboxes.happy}->>'version')::int, -1) < ${input.happy.version}`));
  },

  /** A deleted VibeBox leaves no row (its audit rows stay). */
  async removeVibeBox(input: { vibeboxId: string }): Promise<void> {
    await db.delete(vibeboxes).where(eq(vibeboxes.id, input.vibeboxId));
  },
});

export type StateActivities = ReturnType<typeof createStateActivities>;
