/**
 * The Postgres projection of each VibeBox's workflow state. The workflow is the truth; these
 * writes make GET fast and keep it answering while Temporal is down.
 */
import { and, eq, sql } from 'drizzle-orm';
import { vibeboxes } from '../drizzle/schema';
import type { Db } from '../lib/db';
import type { HappyState, VibeBoxState } from '../workflows/definitions';
import type { WorkerMetrics } from './metrics';

export const createStateActivities = ({ db, metrics }: { db: Db; metrics?: WorkerMetrics }) => ({
  async recordState(input: { vibeboxId: string; state: VibeBoxState }): Promise<void> {
    const { status, step, resource, lastError, placement } = input.state;
    metrics?.statusRecorded(status, resource?.providerType, resource?.region);
    await db
      .update(vibeboxes)
      .set({
        status,
        step: step ?? null,
        providerType: resource?.providerType ?? null,
        region: resource?.region ?? null,
        resourceId: resource?.resourceId ?? null,
        ipAddress: resource?.ipAddress ?? null,
        sshPort: resource?.sshPort ?? null,
        sshUser: resource?.sshUser ?? null,
        metadata: resource?.metadata ?? {},
        lastError: lastError ?? null,
        // Merged over what the API stored (the request), never replacing it.
        ...(placement ? { placement: sql`coalesce(${vibeboxes.placement}, '{}'::jsonb) || ${JSON.stringify(placement)}::jsonb` } : {}),
        updatedAt: new Date(),
      })
      .where(eq(vibeboxes.id, input.vibeboxId));
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
