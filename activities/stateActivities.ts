/**
 * The Postgres projection of each VibeBox's workflow state. The workflow is the truth; these
 * writes make GET fast and keep it answering while Temporal is down.
 */
import { eq } from 'drizzle-orm';
import { vibeboxes } from '../drizzle/schema';
import type { Db } from '../lib/db';
import type { VibeBoxState } from '../workflows/definitions';

export const createStateActivities = ({ db }: { db: Db }) => ({
  async recordState(input: { vibeboxId: string; state: VibeBoxState }): Promise<void> {
    const { status, step, resource, lastError } = input.state;
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
        updatedAt: new Date(),
      })
      .where(eq(vibeboxes.id, input.vibeboxId));
  },

  /** A deleted VibeBox leaves no row (its audit rows stay). */
  async removeVibeBox(input: { vibeboxId: string }): Promise<void> {
    await db.delete(vibeboxes).where(eq(vibeboxes.id, input.vibeboxId));
  },
});

export type StateActivities = ReturnType<typeof createStateActivities>;
