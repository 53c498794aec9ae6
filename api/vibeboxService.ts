/**
 * The VibeBox service behind the routes: Postgres for reads and ownership, Temporal for every
 * change. Handlers stay short and call one function here.
 *
 * A create is admitted (api/admission.ts), recorded with its workflow start unconfirmed, then
 * started; the row is marked started once Temporal confirms. When the start fails, the service asks
 * Temporal whether the workflow exists before deciding: a row is deleted only when its workflow
 * certainly never started. Otherwise the row is kept unconfirmed, to be started later by a replay
 * of the same Idempotency-Key or by whoever resolves unconfirmed rows — never a row deleted while
 * its workflow may run.
 */
import { randomBytes } from 'node:crypto';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowUpdateStage } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { vibeboxes, VibeBoxRow } from '../drizzle/schema';
import { Database, inTransaction } from '../lib/db';
import { generatePassword } from '../lib/passwords';
import type { SecretBox } from '../lib/secretBox';
import { actionUpdates, boxWorkflowStart, TASK_QUEUE, VibeBoxAction, VibeBoxStatus, VibeBoxStep, workflowIdFor } from '../workflows/definitions';
import type { PlanId } from '../workflows/plans';
import { policies, PolicyOverrides } from '../workflows/policies';
import { TRANSITIONAL_STATUS } from '../workflows/transitions';
import { vibeBoxWorkflow } from '../workflows/vibebox';
import {
  AdmissionRules,
  admissionRulesFromEnv,
  checkQuota,
  findKey,
  forgetKey,
  lockUser,
  RememberedKey,
  rememberKey,
  requestHash,
  takeCreateToken,
} from './admission';
import type { AuthedUser } from './auth';
import { HttpError, notFound, unavailable } from './errors';
import { checkManualPlacement, checkPlacement, PlacementView } from './placement';
import type { CreateVibeBoxRequest, VibeBox } from './schemas';
import { neverReachedTemporal, temporalAnswers, UpdateRejectedError, withTemporalDeadline } from './temporalClient';

export interface VibeBoxServiceDeps {
  database: Database;
  temporal: Client;
  secrets: SecretBox;
  taskQueue?: string;
  /** This platform's name on its rows (lib/config.ts deploymentOf): the reconciler looks only at its own. */
  deployment: string;
  /** Where new boxes may go, for a clear 400 instead of a box that fails later. */
  placement: PlacementView;
  /** Quotas, create rate, key lifetime; policies.admission when absent. */
  admission?: AdmissionRules;
  /** Tightened timings for every new box (VIBEBOX_POLICY_OVERRIDES: test platforms, staging). */
  policyOverrides?: PolicyOverrides;
}

/** What create answers: a new box (202, with its password this once), or the box an earlier request with the same key made (200, no password). */
export type CreateOutcome = { replayed: false; box: VibeBox & { sshPassword: string } } | { replayed: true; box: VibeBox };

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
    step: row.step as VibeBoxStep | null,
    planId: row.planId,
    providerType: row.providerType ?? row.requestedProviderType,
    region: row.region ?? row.requestedRegion,
    resourceId: row.resourceId,
    ipAddress: row.ipAddress,
    sshPort: row.sshPort,
    sshUser: row.sshUser,
    sshHostKeyFingerprint: row.sshHostKey,
    lastError: row.lastError,
    placement: (row.placement as VibeBox['placement']) ?? null,
    metadata: row.metadata,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Did the workflow start? `unknown`: Temporal could not say (it may have). */
type StartOutcome = 'started' | 'not-started' | 'unknown';

export function createVibeBoxService(deps: VibeBoxServiceDeps) {
  const { database, temporal, secrets } = deps;
  const db = database.db;
  const taskQueue = deps.taskQueue ?? TASK_QUEUE;
  const rules = deps.admission ?? admissionRulesFromEnv({});
  const temporalCall = policies.dependencies.temporalCall;

  async function ownedRow(user: AuthedUser, id: string): Promise<VibeBoxRow> {
    const [row] = await db.select().from(vibeboxes).where(and(eq(vibeboxes.id, id), eq(vibeboxes.userId, user.id)));
    // Another user's box is indistinguishable from no box: 404, never 403.
    if (!row) throw notFound('VibeBox');
    return row;
  }

  /** Starts the box's workflow; on an error, asks Temporal whether it exists after all. */
  async function startWorkflow(row: VibeBoxRow): Promise<StartOutcome> {
    let startError: unknown;
    try {
      const start = boxWorkflowStart({ ...row, planId: row.planId as PlanId }, taskQueue, deps.policyOverrides);
      await withTemporalDeadline(temporal, temporalCall, () => temporal.workflow.start(vibeBoxWorkflow, start));
      return 'started';
    } catch (err) {
      // A retried start (ours, or the SDK's own gRPC retry) that the first one beat.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'started';
      startError = err;
    }
    try {
      await withTemporalDeadline(temporal, temporalCall, () => temporal.workflow.getHandle(workflowIdFor(row.id)).describe());
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || neverReachedTemporal(startError)) return 'not-started';
      return 'unknown';
    }
  }

  /** Records that the workflow runs. Best effort: a row left unconfirmed is confirmed by whoever resolves it. */
  async function confirmStarted(id: string): Promise<void> {
    await db
      .update(vibeboxes)
      .set({ workflowStartedAt: new Date() })
      .where(and(eq(vibeboxes.id, id), isNull(vibeboxes.workflowStartedAt)))
      .catch(() => undefined);
  }

  /** The answer to a request that carries a key already used: the same box, or why not. */
  async function replay(user: AuthedUser, remembered: RememberedKey, hash: string): Promise<CreateOutcome> {
    if (remembered.requestHash !== hash) {
      throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request; use a new key for a new request', [
        { field: 'Idempotency-Key', message: 'already used with a different request body' },
      ]);
    }
    const [row] = await db.select().from(vibeboxes).where(and(eq(vibeboxes.id, remembered.vibeboxId), eq(vibeboxes.userId, user.id)));
    if (!row) {
      throw new HttpError(409, 'idempotency_key_reused', `the VibeBox this Idempotency-Key created (${remembered.vibeboxId}) has been deleted; use a new key to create another`);
    }
    if (!row.workflowStartedAt) {
      if (Date.now() - row.createdAt.getTime() < policies.admission.createInFlight) {
        throw new HttpError(409, 'create_in_progress', `the request that created ${row.id} is still in progress; try again shortly`, undefined, 1_000);
      }
      // The original request failed ambiguously or died: finish what it started.
      if ((await startWorkflow(row)) !== 'started') {
        throw unavailable(`provisioning of ${row.id} is not confirmed yet: the workflow service is unavailable`);
      }
      await confirmStarted(row.id);
    }
    return { replayed: true, box: toApi(row) };
  }

  return {
    /**
     * Admits and starts a new box — or, for a repeated Idempotency-Key, answers with the box the
     * first request made. The password is in the first answer only: a replay never shows it again.
     */
    async create(user: AuthedUser, req: CreateVibeBoxRequest, idempotencyKey?: string): Promise<CreateOutcome> {
      const hash = requestHash(req);
      if (idempotencyKey) {
        const remembered = await findKey(db, user.id, idempotencyKey);
        if (remembered) return replay(user, remembered, hash);
      }
      checkManualPlacement(req, rules.manualPlans);
      await checkPlacement(db, deps.placement, req);
      // Nothing is recorded while Temporal is known to be away: the usual outage is a clean "nothing was created".
      await temporalAnswers(temporal, temporalCall).catch(() => {
        throw unavailable('the workflow service is unavailable; nothing was created');
      });
      const id = newVibeBoxId();
      const password = generatePassword();
      const admitted = await inTransaction(database, async (tx): Promise<{ remembered: RememberedKey } | { row: VibeBoxRow }> => {
        await lockUser(tx, user.id);
        if (idempotencyKey) {
          // A concurrent request with the same key may have got here first.
          const remembered = await findKey(tx, user.id, idempotencyKey);
          if (remembered) return { remembered };
        }
        await checkQuota(tx, user.id, req.planId, rules.quota);
        await takeCreateToken(tx, user.id, rules.createRate);
        const [row] = await tx
          .insert(vibeboxes)
          .values({
            id,
            userId: user.id,
            planId: req.planId,
            requestedProviderType: req.providerType ?? null,
            requestedRegion: req.region ?? null,
            placement: { request: { fallback: req.fallback, preference: req.preference, near: req.near } },
            status: 'provisioning',
            sshPasswordEnc: secrets.seal(password),
            workflowStartedAt: null,
            deployment: deps.deployment,
          })
          .returning();
        if (idempotencyKey) await rememberKey(tx, user.id, idempotencyKey, hash, id, rules.idempotencyKeyTtl);
        return { row };
      });
      if ('remembered' in admitted) return replay(user, admitted.remembered, hash);

      const outcome = await startWorkflow(admitted.row);
      if (outcome === 'started') {
        await confirmStarted(id);
        return { replayed: false, box: { ...toApi(admitted.row), sshPassword: password } };
      }
      if (outcome === 'not-started') {
        // Certainly no workflow: nothing half-made stays behind.
        await db.delete(vibeboxes).where(and(eq(vibeboxes.id, id), isNull(vibeboxes.workflowStartedAt)));
        if (idempotencyKey) await forgetKey(db, user.id, idempotencyKey);
        throw unavailable('could not start provisioning: the workflow service is unavailable; nothing was created');
      }
      throw unavailable(
        `provisioning of ${id} could not be confirmed: the workflow service did not answer. The box is recorded and its provisioning ` +
          'will be started; repeat this request with the same Idempotency-Key to get it',
      );
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
        // A quick look first: Temporal away is a 503 in seconds, where acceptance may rightly take longer.
        await withTemporalDeadline(temporal, temporalCall, () => handle.describe());
        // Acceptance needs a worker; without one the SDK would wait forever, the caller with it.
        await withTemporalDeadline(temporal, policies.updates.acceptDeadline, () =>
          handle.startUpdate(actionUpdates[action], { waitForStage: WorkflowUpdateStage.ACCEPTED }),
        );
      } catch (err) {
        if (err instanceof UpdateRejectedError) throw new HttpError(409, 'invalid_state', err.message);
        if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'invalid_state', 'VibeBox is no longer managed');
        throw unavailable(`workflow service unavailable: ${(err as Error).message}`);
      }
      return { success: true as const, message: ACTION_MESSAGES[action], status: TRANSITIONAL_STATUS[action] };
    },
  };
}

export type VibeBoxService = ReturnType<typeof createVibeBoxService>;
