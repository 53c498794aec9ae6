/**
 * What the API, the worker and the workflow share: names, message types, search attribute keys.
 * Imported inside the workflow sandbox, so no Node built-ins here.
 */
import { defineSearchAttributeKey, SearchAttributePair, SearchAttributeType } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import { isProviderType, type ProviderType, type ResourceStatus } from '../providers/types';
import { PlanId, specForPlan } from './plans';
import type { PolicyOverrides } from './policies';
import type { City, Preference } from './selectionRules';
import { boxStaticDetails, boxSummary } from './uiText';

export const TASK_QUEUE = 'vibebox';

export const workflowIdFor = (vibeboxId: string) => `vibebox-${vibeboxId}`;

/**
 * The task queue of one provider type's configureHappy work, beside the platform's own queue: its
 * worker runs a bounded number at once (policies.configureConcurrency), so a burst of new boxes
 * waits its turn there instead of running every npm install at the same time.
 */
export const configureTaskQueue = (taskQueue: string, providerType: ProviderType) => `${taskQueue}-configure-${providerType}`;

/** The VibeBox status users see (API and Postgres), a superset of the seed's resource states. */
export const VIBEBOX_STATUSES = [
  'provisioning',
  'active',
  'stopping',
  'stopped',
  'starting',
  'restarting',
  'deleting',
  'deleted',
  'error',
] as const;
export type VibeBoxStatus = (typeof VIBEBOX_STATUSES)[number];

/**
 * Where a box is inside its status — what a user watching `create --wait` or the Web UI needs to
 * know while a status lasts minutes. Provisioning goes selecting → creating → booting →
 * installing-happy (→ cleaning-up when a later step failed); each operation has its own step;
 * a settled box is `ready`, `stopped` or `failed`.
 */
export const VIBEBOX_STEPS = [
  'selecting',
  'creating',
  'booting',
  'installing-happy',
  'cleaning-up',
  'ready',
  'starting',
  'stopping',
  'force-stopping',
  'stopped',
  'restarting',
  'checking',
  'deleting',
  'force-deleting',
  'deleted',
  'failed',
] as const;
export type VibeBoxStep = (typeof VIBEBOX_STEPS)[number];

export const VIBEBOX_ACTIONS = ['start', 'stop', 'restart', 'delete', 'retry'] as const;
export type VibeBoxAction = (typeof VIBEBOX_ACTIONS)[number];

export interface ResourceSpecInput {
  cpu: number;
  memory: number;
  disk: number;
  image?: string;
}

/**
 * One place a VibeBox could be created, in preference order (selection → failover). Zone and
 * instance type are filled once, by the provider's choosePlacement, when the workflow first tries
 * the candidate — and then sent unchanged with every retry under the same client token.
 */
export interface Candidate {
  providerType: ProviderType;
  region: string;
  zone?: string;
  instanceType?: string;
}

/**
 * The create under way in the current provisioning round, kept in workflow state so nothing it
 * made is lost: a retry reuses its placement and token, and every teardown knows what to look for.
 */
export interface CreateAttempt {
  /** The candidate, its zone and instance type filled once placement was chosen. */
  candidate: Candidate;
  placed: boolean;
  /** Workflow id + round + candidate index: a retried create never makes a second box. */
  clientToken: string;
  /** A create was sent under this token whose outcome is unknown: look before creating again. */
  mayExist: boolean;
  /** The cloud accepted the create but has not listed what it made yet: only look, never create again. */
  accepted: boolean;
  /** What came back, and when (workflow time): NotFound shortly after means "not visible yet". */
  resourceId?: string;
  madeAt?: number;
}

/** Where the box lives once created. Never holds the password. */
export interface PlacedResource {
  providerType: ProviderType;
  region: string;
  resourceId: string;
  ipAddress?: string;
  sshPort?: number;
  sshUser?: string;
  metadata: Record<string, unknown>;
  /**
   * What the provider said when the workflow last looked — for its own decisions only; not
   * projected to Postgres, where it would go stale.
   */
  lastSeenStatus?: ResourceStatus;
}

export interface VibeBoxState {
  status: VibeBoxStatus;
  /** Absent only in state carried over from before steps existed (continueAsNew of an older run). */
  step?: VibeBoxStep;
  resource?: PlacedResource;
  lastError?: string;
  /** Provisioning rounds so far; part of the client token so a retry after cleanup makes a new box. */
  round: number;
  /** Where selection said the box may go, and why (also in Postgres and the API). */
  placement?: Placement;
  /**
   * Bumped by every state write to Postgres and carried with it: the projection keeps the highest,
   * so a late or retried older write never overwrites a newer one.
   */
  seq?: number;
  /** The create in flight (provisioning only). */
  creating?: CreateAttempt;
  /** Happy pairing (absent until the first request): see HappyState. */
  happy?: HappyState;
}

/** The decision, as stored on the box (`vibeboxes.placement`) and shown by the API. */
export interface Placement {
  strategy: 'manual' | 'auto';
  preference: Preference;
  fallback: boolean;
  /** In the order they are tried. */
  candidates: Candidate[];
  /** Why the first candidate is first (and what was left out). */
  reason: string;
  excluded: Array<Candidate & { why: string }>;
}

/** What a create request says about placement beyond provider and region (stored as `placement.request`). */
export interface PlacementRequest {
  /** Candidates beyond a pinned provider/region may be used when the pinned ones cannot serve. */
  fallback?: boolean;
  preference?: Preference;
  near?: City;
}

/**
 * Where a box's Happy pairing stands: `unpaired`; `waiting` for the phone's answer to the link;
 * `paired` (the daemon's health as last checked); `expired` (the link lapsed unanswered) or
 * `refused` (the answer did not open with the box's key) — both ask for a new request.
 */
export const HAPPY_PAIRING_STATES = ['unpaired', 'waiting', 'paired', 'expired', 'refused'] as const;
export type HappyPairingState = (typeof HAPPY_PAIRING_STATES)[number];

/**
 * A box's Happy pairing as the workflow keeps it, and as it is projected to Postgres. Public by
 * construction: the pairing's public key and links, times, outcomes, the machine id. The pairing
 * private key and the account token never leave the box (docs/happy.md).
 */
export interface HappyState {
  state: HappyPairingState;
  /** While waiting: the box's pairing public key (base64) and the links that carry it. */
  publicKey?: string;
  link?: string;
  webLink?: string;
  /** ISO times: the current request was first made / lapses. */
  requestedAt?: string;
  expiresAt?: string;
  pairedAt?: string;
  /** The credentials' shape in the box (happy-coder's dataKey = v2, legacy = v1). */
  credentials?: 'v1' | 'v2';
  /** happy-coder's id for this box at the relay. */
  machineId?: string | null;
  /** Whether the daemon ran and had reached the relay at `checkedAt`. */
  daemonRunning?: boolean;
  checkedAt?: string;
  /** Why the last request did not end paired (refused, withdrawn, the box unreachable). */
  lastError?: string;
  /** The machine it was paired on: a box provisioned anew starts unpaired. */
  resourceId?: string;
  /** Bumped on every change; the projection keeps the highest (writes may land out of order). */
  version: number;
}

export interface VibeBoxWorkflowInput {
  vibeboxId: string;
  userId: string;
  planId: string;
  spec: ResourceSpecInput;
  providerType?: ProviderType;
  region?: string;
  /** Fallback, preference and location for selection. */
  placement?: PlacementRequest;
  /** Subscription end (ISO time): the box is deleted then. */
  expiresAt?: string;
  /** Tests and operators may tighten timings; production runs the policies as written. */
  policyOverrides?: PolicyOverrides;
  /** Carried over by continueAsNew. */
  state?: VibeBoxState;
}

export interface ActionAccepted {
  status: VibeBoxStatus;
}

// Updates, not signals: the caller learns at once whether the request was accepted, and an
// illegal one is rejected by the validator with its reason instead of being queued.
export const startUpdate = wf.defineUpdate<ActionAccepted>('start');
export const stopUpdate = wf.defineUpdate<ActionAccepted>('stop');
export const restartUpdate = wf.defineUpdate<ActionAccepted>('restart');
export const deleteUpdate = wf.defineUpdate<ActionAccepted>('delete');
/** Operator's (and user's) way out of `error`: provision again. */
export const retryUpdate = wf.defineUpdate<ActionAccepted>('retry');
export const stateQuery = wf.defineQuery<VibeBoxState>('state');
/**
 * From the reconciler: the provider no longer lists this box's resource. The workflow looks for
 * itself and, if the resource is really gone, becomes `error` — the workflow, not the reconciler,
 * decides what the box is.
 */
export const checkResourceSignal = wf.defineSignal<[{ resourceId: string }]>('checkResource');
/** Write the current state to Postgres again, the row re-created if it is missing (operators, the reconciler). */
export const reprojectSignal = wf.defineSignal('reproject');

export const VIBEBOX_WORKFLOW_TYPE = 'vibeBoxWorkflow';

/**
 * Tags (Docker labels) on every resource the platform creates. `project` and the deployment scope
 * the reconciler's listing, so it never sees another platform's resources; `vibeboxId` names the
 * owner; the client token lets a retried create find what an earlier try made.
 */
export const RESOURCE_TAGS = {
  project: 'project',
  vibeboxId: 'vibeboxId',
  userId: 'userId',
  deployment: 'vibebox:deployment',
  clientToken: 'vibebox:token',
} as const;
export const PROJECT_TAG_VALUE = 'vibebox';

/**
 * Happy pairing: start (or renew) a pairing — the result carries the link — and unpair. Updates
 * for the same reason as the actions: an illegal request is refused at once with its reason.
 */
export const pairHappyUpdate = wf.defineUpdate<HappyState>('pairHappy');
export const unpairHappyUpdate = wf.defineUpdate<HappyState>('unpairHappy');

export const actionUpdates = {
  start: startUpdate,
  stop: stopUpdate,
  restart: restartUpdate,
  delete: deleteUpdate,
  retry: retryUpdate,
} as const;

export const searchAttributes = {
  vibeboxId: defineSearchAttributeKey('VibeBoxId', SearchAttributeType.KEYWORD),
  userId: defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD),
  provider: defineSearchAttributeKey('Provider', SearchAttributeType.KEYWORD),
  region: defineSearchAttributeKey('Region', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('VibeBoxStatus', SearchAttributeType.KEYWORD),
  /** Plan and step: columns of the Web UI's workflow list, so a box reads there without opening it. */
  plan: defineSearchAttributeKey('VibeBoxPlan', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('VibeBoxStep', SearchAttributeType.KEYWORD),
};

/** What starting a box's workflow needs to know of the box: its `vibeboxes` row, or the request that makes it. */
export interface BoxToStart {
  id: string;
  userId: string;
  planId: PlanId;
  requestedProviderType: string | null;
  requestedRegion: string | null;
  /** `{ request: PlacementRequest, … }` as the API stored it (absent on rows from before placement). */
  placement?: Record<string, unknown> | null;
}

/**
 * The one way a box's workflow is started — by the API's create, and by whoever resolves a create
 * whose start was never confirmed (`vibeboxes.workflow_started_at` null): the same id, input and
 * search attributes every time. REJECT_DUPLICATE makes a second start of the same box fail with
 * "already started" even after the first run closed, so starting again is always safe.
 */
export function boxWorkflowStart(box: BoxToStart, taskQueue: string, policyOverrides?: PolicyOverrides) {
  const providerType = box.requestedProviderType && isProviderType(box.requestedProviderType) ? box.requestedProviderType : undefined;
  const input: VibeBoxWorkflowInput = {
    vibeboxId: box.id,
    userId: box.userId,
    planId: box.planId,
    spec: specForPlan(box.planId),
    providerType,
    region: box.requestedRegion ?? undefined,
    placement: (box.placement?.request as PlacementRequest | undefined) ?? undefined,
    ...(policyOverrides ? { policyOverrides } : {}),
  };
  const attributes: SearchAttributePair[] = [
    { key: searchAttributes.vibeboxId, value: box.id },
    { key: searchAttributes.userId, value: box.userId },
    { key: searchAttributes.status, value: 'provisioning' },
    { key: searchAttributes.plan, value: box.planId },
  ];
  if (providerType) attributes.push({ key: searchAttributes.provider, value: providerType });
  if (box.requestedRegion) attributes.push({ key: searchAttributes.region, value: box.requestedRegion });
  return {
    workflowId: workflowIdFor(box.id),
    taskQueue,
    args: [input] as [VibeBoxWorkflowInput],
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    typedSearchAttributes: attributes,
    // What the Web UI's detail page shows of the box without opening its history.
    staticSummary: boxSummary(input),
    staticDetails: boxStaticDetails(input),
  };
}

/** One (provider, region) the health loop checks. */
export interface HealthTarget {
  providerType: ProviderType;
  region: string;
}

/** One (provider, region)'s health as stored (`provider_health`). Times are ISO strings. */
export interface HealthRecord extends HealthTarget {
  available: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  lastCheckedAt: string;
  lastOkAt: string | null;
  changedAt: string;
}

/** What one health check found. */
export type CheckOutcome = { ok: true } | { ok: false; reason: string };
