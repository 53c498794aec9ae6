/**
 * Happy pairing from the API (docs/happy.md, "Pair a box from the API"): the pairing as the
 * workflow last projected it to Postgres, and the Updates that start (or renew) and end one. The
 * pairing runs in the box's workflow; this asks and reports. Owner-only like every VibeBox route:
 * another user's box is a 404.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Client, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import QRCode from 'qrcode';
import { vibeboxes } from '../drizzle/schema';
import type { Db } from '../lib/db';
import { HappyState, pairHappyUpdate, unpairHappyUpdate, workflowIdFor } from '../workflows/definitions';
import { policies } from '../workflows/policies';
import type { AuthedUser } from './auth';
import { HttpError, notFound } from './errors';
import type { HappyPairing, HappyStatus } from './schemas';
import { UpdateRejectedError } from './temporalClient';

export interface HappyServiceDeps {
  db: Db;
  temporal: Client;
}

export function toApiHappy(h: HappyState | null): HappyStatus {
  return {
    state: h?.state ?? 'unpaired',
    link: h?.link ?? null,
    webLink: h?.webLink ?? null,
    requestedAt: h?.requestedAt ?? null,
    expiresAt: h?.expiresAt ?? null,
    pairedAt: h?.pairedAt ?? null,
    machineId: h?.machineId ?? null,
    daemonRunning: h?.daemonRunning ?? null,
    checkedAt: h?.checkedAt ?? null,
    lastError: h?.lastError ?? null,
  };
}

/** The link as the Happy app scans it, rendered here (no third party sees the link). */
async function qrCode(link: string): Promise<NonNullable<HappyPairing['qr']>> {
  const options = { errorCorrectionLevel: 'M' as const, margin: 2 };
  return {
    svg: await QRCode.toString(link, { ...options, type: 'svg' }),
    png: await QRCode.toDataURL(link, { ...options, scale: 6 }),
  };
}

export function createHappyService({ db, temporal }: HappyServiceDeps) {
  async function projected(user: AuthedUser, id: string): Promise<HappyState | null> {
    const [row] = await db
      .select({ happy: vibeboxes.happy })
      .from(vibeboxes)
      .where(and(eq(vibeboxes.id, id), eq(vibeboxes.userId, user.id)));
    if (!row) throw notFound('VibeBox');
    return row.happy;
  }

  /**
   * Asks the workflow: refused at once with the validator's reason (409), else waits for the
   * step in the box up to the policy's deadline. Undefined when it is still going (the caller
   * answers with the projection; GET shows the rest).
   */
  async function ask(id: string, update: UpdateDefinition<HappyState, []>): Promise<HappyState | undefined> {
    const handle = temporal.workflow.getHandle(workflowIdFor(id));
    let accepted;
    try {
      // Acceptance needs a worker; without one the SDK would wait forever, the caller with it.
      accepted = await temporal.withDeadline(Date.now() + policies.updates.acceptDeadline, () =>
        handle.startUpdate(update, { waitForStage: WorkflowUpdateStage.ACCEPTED }),
      );
    } catch (err) {
      if (err instanceof UpdateRejectedError) throw new HttpError(409, 'invalid_state', err.message);
      if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'invalid_state', 'VibeBox is no longer managed');
      throw new HttpError(503, 'unavailable', `workflow service unavailable: ${(err as Error).message}`);
    }
    try {
      return await temporal.withDeadline(Date.now() + policies.happy.requestDeadline, () => accepted.result());
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
      // The step in the box failed: the box's state made it impossible (409), or the box or the relay did not answer (502).
      const cause = err.cause;
      if (cause instanceof ApplicationFailure && cause.type === 'InvalidState') throw new HttpError(409, 'invalid_state', cause.message);
      throw new HttpError(502, 'box_unavailable', cause?.message ?? err.message);
    }
  }

  return {
    async status(user: AuthedUser, id: string): Promise<HappyStatus> {
      return toApiHappy(await projected(user, id));
    },

    /** Start or renew: a link (and its QR code) the phone approves; the workflow waits for the answer. */
    async pair(user: AuthedUser, id: string): Promise<HappyPairing> {
      await projected(user, id);
      const status = toApiHappy((await ask(id, pairHappyUpdate)) ?? (await projected(user, id)));
      return { ...status, qr: status.state === 'waiting' && status.link ? await qrCode(status.link) : null };
    },

    /** Unpair: the daemon stops, and the credentials and any pending request are removed from the box. */
    async unpair(user: AuthedUser, id: string): Promise<HappyStatus> {
      await projected(user, id);
      return toApiHappy((await ask(id, unpairHappyUpdate)) ?? (await projected(user, id)));
    },
  };
}

export type HappyService = ReturnType<typeof createHappyService>;
