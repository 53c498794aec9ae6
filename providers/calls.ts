/**
 * A provider call as every layer names it: which action, on which resource, and how it can fail.
 * Providers throw with these kinds, activities stamp them on Temporal failures, and workflow
 * policy (policies.ts) branches on them — one union, so a misspelt kind does not compile.
 * Imported inside the workflow sandbox: types and constants only, no Node built-ins.
 */
import type { ProviderType } from './types';

export const FAILURE_KINDS = [
  'InsufficientStock',
  'Throttled',
  'InvalidState',
  'NotFound',
  'AuthFailed',
  'InvalidRequest',
  'Transient',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export function isFailureKind(value: unknown): value is FailureKind {
  return typeof value === 'string' && (FAILURE_KINDS as readonly string[]).includes(value);
}

/** What a failure carries besides its kind and message; no secrets by construction. */
export interface FailureDetails {
  /** The cloud's own error code, e.g. `OperationDenied.NoStock`. */
  code?: string;
  /** The cloud's request id, for the audit log and support tickets. */
  requestId?: string;
  /** Seconds the cloud asked us to wait before retrying (throttling). */
  retryAfterSeconds?: number;
  /**
   * A create failed after the cloud accepted it (ECloud: the order was placed but no instance is
   * listed yet): something may exist under the client token, so the caller must look, not create again.
   */
  createAccepted?: boolean;
}

/** The lifecycle verbs a workflow asks a provider to perform on an existing resource. */
export type ProviderAction = 'start' | 'stop' | 'restart' | 'delete';

/** Which resource a call is about: the provider and region that made it, and the cloud's id. */
export interface ResourceRef {
  providerType: ProviderType;
  region: string;
  resourceId: string;
}
