/**
 * What the API, the worker and the workflow share: names, message types, search attribute keys.
 * Imported inside the workflow sandbox, so no Node built-ins here.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { ProviderType, ResourceStatus } from '../providers/types';
import type { PolicyOverrides } from './policies';

export const TASK_QUEUE = 'vibebox';

export const workflowIdFor = (vibeboxId: string) => `vibebox-${vibeboxId}`;

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
 * One place a VibeBox could be created, in preference order (selection → failover). The zone and
 * instance type inside the region are the provider's choice at create time.
 */
export interface Candidate {
  providerType: ProviderType;
  region: string;
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
}

export interface VibeBoxWorkflowInput {
  vibeboxId: string;
  userId: string;
  planId: string;
  spec: ResourceSpecInput;
  providerType?: ProviderType;
  region?: string;
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
