/**
 * The VibeBox service behind the routes: Postgres for reads and ownership, Temporal for every
 * change. Handlers stay short and call one function here.
 */
import { randomBytes } from 'node:crypto';
import { Client, WorkflowUpdateStage } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { and, desc, eq } from 'drizzle-orm';
import { vibeboxes, VibeBoxRow } from '../drizzle/schema';
import type { Db } from '../lib/db';
import { generatePassword } from '../lib/passwords';
import type { SecretBox } from '../lib/secretBox';
import { isProviderType, type ProviderType } from '../providers/types';
import {
  actionUpdates,
  TASK_QUEUE,
  VibeBoxAction,
  vibeBoxStart,
  VibeBoxStatus,
  VibeBoxWorkflowInput,
  workflowIdFor,
} from '../workflows/definitions';
import { specForPlan } from '../workflows/plans';
import { policies } from '../workflows/policies';
import { orderCandidates, SelectionError } from '../workflows/selection';
import { TRANSITIONAL_STATUS } from '../workflows/transitions';
import { vibeBoxWorkflow } from '../workflows/vibebox';
import { HttpError, notFound } from './errors';
import { UpdateRejectedError } from './temporalClient';
import type { AuthedUser } from './auth';
import type { CreateVibeBoxRequest, VibeBox } from './schemas';

export interface VibeBoxServiceDeps {
  db: Db;
  temporal: Client;
  secrets: SecretBox;
  taskQueue?: string;
  /** This platform's name on its rows (lib/config.ts deploymentOf): the reconciler looks only at its own. */
  deployment: string;
  /** Where new boxes may go, for a clear 400 instead of a box that fails later. */
  placement: { enabledTypes(): ProviderType[]; regionsOf(type: ProviderType): string[] };
}

const ACTION_MESSAGES: Record<VibeBoxAction, string> = {
  start: 'VibeBox is starting',
  stop: 'VibeBox is stopping',
  restart: 'VibeBox is restarting',
  delete: 'VibeBox is being deleted',
  retry: 'VibeBox is being provisioned again',
};

export function newVibeBoxId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return 'vb-' + Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
}

export function toApi(row: VibeBoxRow): VibeBox {
  return {
    id: row.id,
    status: row.status as VibeBoxStatus,
    planId: row.planId,
    providerType: row.providerType ?? row.requestedProviderType,
    region: row.region ?? row.requestedRegion,
    resourceId: row.resourceId,
    ipAddress: row.ipAddress,
    sshPort: row.sshPort,
    sshUser: row.sshUser,
    sshHostKeyFingerprint: row.sshHostKey,
    lastError: row.lastError,
    metadata: row.metadata,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The same candidate rules the workflow's selection uses, checked up front: bad placement is a 400. */
function checkPlacement(placement: VibeBoxServiceDeps['placement'], req: CreateVibeBoxRequest): void {
  try {
    orderCandidates({
      enabled: placement.enabledTypes(),
      regionsOf: (t) => placement.regionsOf(t),
      providerType: req.providerType,
      requestedRegion: req.region,
    });
  } catch (err) {
    if (!(err instanceof SelectionError)) throw err;
    const badProvider = req.providerType !== undefined && !placement.enabledTypes().includes(req.providerType);
    const field = badProvider ? 'providerType' : req.region ? 'region' : 'providerType';
    throw new HttpError(400, 'invalid_request', err.message, [{ field, message: err.message }]);
  }
}

export function createVibeBoxService(deps: VibeBoxServiceDeps) {
  const { db, temporal, secrets } = deps;
  const taskQueue = deps.taskQueue ?? TASK_QUEUE;

  async function ownedRow(user: AuthedUser, id: string): Promise<VibeBoxRow> {
    const [row] = await db.select().from(vibeboxes).where(and(eq(vibeboxes.id, id), eq(vibeboxes.userId, user.id)));
    // Another user's box is indistinguishable from no box: 404, never 403.
    if (!row) throw notFound('VibeBox');
    return row;
  }

  return {
    async create(user: AuthedUser, req: CreateVibeBoxRequest): Promise<VibeBox & { sshPassword: string }> {
      checkPlacement(deps.placement, req);
      const id = newVibeBoxId();
      const password = generatePassword();
      const [row] = await db
        .insert(vibeboxes)
        .values({
          id,
          userId: user.id,
          planId: req.planId,
          requestedProviderType: req.providerType ?? null,
          requestedRegion: req.region ?? null,
          status: 'provisioning',
          sshPasswordEnc: secrets.seal(password),
          deployment: deps.deployment,
        })
        .returning();
      const input: VibeBoxWorkflowInput = {
        vibeboxId: id,
        userId: user.id,
        planId: req.planId,
        spec: specForPlan(req.planId),
        providerType: req.providerType && isProviderType(req.providerType) ? req.providerType : undefined,
        region: req.region,
      };
      try {
        await temporal.workflow.start(vibeBoxWorkflow, { ...vibeBoxStart(input), taskQueue });
      } catch (err) {
        // Nothing half-made: without a workflow there is no VibeBox.
        await db.delete(vibeboxes).where(eq(vibeboxes.id, id));
        throw new HttpError(503, 'unavailable', `could not start provisioning: ${(err as Error).message}`);
      }
      return { ...toApi(row), sshPassword: password };
    },

    async get(user: AuthedUser, id: string): Promise<VibeBox> {
      return toApi(await ownedRow(user, id));
    },

    async list(user: AuthedUser): Promise<VibeBox[]> {
      const rows = await db.select().from(vibeboxes).where(eq(vibeboxes.userId, user.id)).orderBy(desc(vibeboxes.createdAt));
      return rows.map(toApi);
    },

    /**
     * Asks the workflow to act and returns once it has accepted: the validator's verdict is
     * immediate (409 with its reason), the work itself goes on in the workflow.
     */
    async act(user: AuthedUser, id: string, action: VibeBoxAction) {
      await ownedRow(user, id);
      const handle = temporal.workflow.getHandle(workflowIdFor(id));
      try {
        // Acceptance needs a worker; without one the SDK would wait forever, the caller with it.
        await temporal.withDeadline(Date.now() + policies.updates.acceptDeadline, () =>
          handle.startUpdate(actionUpdates[action], { waitForStage: WorkflowUpdateStage.ACCEPTED }),
        );
      } catch (err) {
        if (err instanceof UpdateRejectedError) throw new HttpError(409, 'invalid_state', err.message);
        if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'invalid_state', 'VibeBox is no longer managed');
        throw new HttpError(503, 'unavailable', `workflow service unavailable: ${(err as Error).message}`);
      }
      return { success: true as const, message: ACTION_MESSAGES[action], status: TRANSITIONAL_STATUS[action] };
    },
  };
}

export type VibeBoxService = ReturnType<typeof createVibeBoxService>;
