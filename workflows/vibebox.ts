/**
 * vibeBoxWorkflow: one long-lived entity workflow per VibeBox (DESIGN.md, the one data path).
 * This file is the entity — its state, its Update handlers and its serve loop. What it does lives
 * beside it: provisioning.ts (create → wait RUNNING → configure Happy, and teardown),
 * operations.ts (start / stop / restart / delete / retry), happyPairing.ts (pairing Happy from the
 * API, beside the serve loop), retries.ts and providerSteps.ts (how each step is tried). Every
 * number it obeys is in policies.ts.
 */
import * as wf from '@temporalio/workflow';
import { BoxContext } from './boxContext';
import {
  ActionAccepted,
  actionUpdates,
  checkResourceSignal,
  reprojectSignal,
  stateQuery,
  VibeBoxAction,
  VibeBoxState,
  VibeBoxWorkflowInput,
} from './definitions';
import { classify } from './failures';
import { HappyPairing } from './happyPairing';
import { checkResource, operations, Operations } from './operations';
import { resolvePolicies } from './policies';
import { destroyAll, provision } from './provisioning';
import { assertTransition, TRANSITIONAL_STATUS } from './transitions';

export async function vibeBoxWorkflow(input: VibeBoxWorkflowInput): Promise<void> {
  const box: VibeBoxState = input.state ?? { status: 'provisioning', round: 0 };
  const ctx = new BoxContext(input, resolvePolicies(input.policyOverrides), box);
  const ops = operations(ctx);
  wireHandlers(ctx, ops);
  // A continued run starts with no metadata of its own: show where the box is at once.
  ctx.showDetails();
  const happy = new HappyPairing(ctx);
  happy.wire();
  happy.start();
  try {
    if (box.status === 'provisioning') await ctx.runProvisioning(() => provision(ctx));
    await serve(ctx, ops, happy);
    await happy.settle();
  } catch (err) {
    if (!wf.isCancellation(err)) throw err;
    await tearDownAfterCancel(ctx);
    throw err;
  }
}

/** Updates, one per action, each guarded by the seed's transition table; and the state query. */
function wireHandlers(ctx: BoxContext, ops: Operations): void {
  const { box } = ctx;
  for (const action of Object.keys(actionUpdates) as VibeBoxAction[]) {
    wf.setHandler(
      actionUpdates[action],
      async (): Promise<ActionAccepted> => {
        // Synchronous, before any await: a second request sees the transitional status, and a
        // provisioning under way stops before it can change anything more.
        box.status = TRANSITIONAL_STATUS[action];
        if (action === 'delete') ctx.abortProvisioning();
        await ctx.setStatus(box.status);
        try {
          await ops[action]();
        } catch (err) {
          // Never let a handler fail the workflow task (it would retry forever, the box wedged).
          await ctx.setStatus('error', { lastError: `${action} failed: ${classify(err).message}` });
        }
        return { status: box.status };
      },
      {
        validator: () => {
          if (ctx.busy) throw new Error(ctx.busy);
          assertTransition(box.status, action);
        },
      },
    );
  }
  wf.setHandler(stateQuery, () => box);
  // The reconciler's report is only a prompt: the serve loop looks for itself, between operations.
  wf.setHandler(checkResourceSignal, ({ resourceId }) => {
    ctx.resourceToCheck = resourceId;
  });
  wf.setHandler(reprojectSignal, async () => {
    if (box.status !== 'deleted') await ctx.project({ restore: true });
  });
}

/**
 * Serves until the box is deleted: Updates run as they come; the subscription's end deletes the
 * box; a long history continues as new (after the handlers in flight finish).
 */
async function serve(ctx: BoxContext, ops: Operations, happy: HappyPairing): Promise<void> {
  const { box, input, P } = ctx;
  const expiresAt = input.expiresAt ? Date.parse(input.expiresAt) : undefined;
  const isDeleted = () => box.status === 'deleted';
  const historyFull = () => wf.workflowInfo().continueAsNewSuggested || wf.workflowInfo().historyLength > P.history.maxEvents;
  const checkWanted = () => ctx.resourceToCheck !== undefined;
  for (;;) {
    const untilExpiry = expiresAt !== undefined ? Math.max(expiresAt - Date.now(), 1) : undefined;
    const woke = untilExpiry !== undefined
      ? await wf.condition(() => isDeleted() || historyFull() || checkWanted(), untilExpiry)
      : (await wf.condition(() => isDeleted() || historyFull() || checkWanted()), true);
    if (isDeleted()) break;
    if (woke && checkWanted()) {
      await wf.condition(wf.allHandlersFinished);
      const resourceId = ctx.resourceToCheck!;
      ctx.resourceToCheck = undefined;
      await checkResource(ctx, resourceId);
      continue;
    }
    if (!woke) {
      // Subscription over: delete once the box is settled (wait out any operation in flight).
      await wf.condition(() => wf.allHandlersFinished() && (box.status === 'active' || box.status === 'stopped' || box.status === 'error'));
      if (!isDeleted()) {
        await ctx.setStatus('deleting');
        await ops.delete();
      }
      break;
    }
    await wf.condition(wf.allHandlersFinished);
    if (historyFull() && !isDeleted()) {
      await happy.settle(); // a pairing wait in progress resumes in the next run, from the state
      await wf.condition(wf.allHandlersFinished); // an Update accepted meanwhile finishes in this run
      await wf.continueAsNew<typeof vibeBoxWorkflow>({ ...input, state: box });
    }
  }
  await wf.condition(wf.allHandlersFinished);
}

/**
 * Cancelling a box's workflow (an operator's `temporal workflow cancel`) tears the box down:
 * nothing it made may outlive it. (`terminate` is the way to let go without touching the cloud.)
 */
async function tearDownAfterCancel(ctx: BoxContext): Promise<void> {
  await wf.CancellationScope.nonCancellable(async () => {
    try {
      await destroyAll(ctx);
    } catch (err) {
      // What is left carries the project's tags: the reconciler removes it.
      wf.log.error('teardown after cancel could not delete everything', { resource: ctx.box.resource, reason: classify(err).message });
    }
    await ctx.markDeleted();
  });
}
