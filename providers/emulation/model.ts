/**
 * The emulation core's vocabulary: instance states, timed transitions, an emulated instance, and
 * the requests an EmulatedCloud answers. Types and constants only, so every other module of the
 * core (and the backings above it) can share them without importing each other.
 */

export const INSTANCE_STATES = [
  'pending',
  'running',
  'stopping',
  'stopped',
  'starting',
  'rebooting',
  'deleting',
  'deleted',
  'error',
] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

/** States an instance is in while a transition runs. */
export const TRANSITIONAL_STATES: readonly InstanceState[] = ['pending', 'stopping', 'starting', 'rebooting', 'deleting'];

/** The timed transitions; each can be slowed (delays) or frozen (stuck). */
export const TRANSITIONS = ['create', 'start', 'stop', 'reboot', 'delete'] as const;
export type Transition = (typeof TRANSITIONS)[number];
export type Delays = Record<Transition, number>;

/** What every listing returns. The password is never part of it (see passwordOf). */
export interface EmulatedInstance {
  id: string;
  name?: string;
  clientToken?: string;
  /** Access key that created it: tokens and quotas are scoped to it. '' when the cloud does not say. */
  owner: string;
  region: string;
  zone: string;
  instanceType: string;
  cpu: number;
  memoryGiB: number;
  diskGiB: number;
  imageId: string;
  state: InstanceState;
  tags: Record<string, string>;
  createdAt: Date;
  /** Known once the backing has made the machine (i.e. not while early 'pending'). */
  publicIp?: string;
  privateIp: string;
  sshPort: number;
  backing: { kind: 'none' | 'docker'; id?: string };
  /** The transition under way, when the state is transitional. */
  transition?: Transition;
  /** Why the instance is in 'error'. */
  lastError?: string;
}

export interface CreateRequest {
  owner?: string;
  region: string;
  /** Absent: the first zone of the region with stock for the type. */
  zone?: string;
  instanceType: string;
  imageId: string;
  diskGiB?: number;
  /** How many instances (Aliyun Amount, Tencent InstanceCount); default 1. */
  amount?: number;
  clientToken?: string;
  /** Login password; the cloud layer generates one when its API allows none. */
  password: string;
  name?: string;
  tags?: Record<string, string>;
}

export interface CreateResult {
  instanceIds: string[];
  /** Snapshots of those still existing (a reused token may point at deleted ones). */
  instances: EmulatedInstance[];
  /** True when the client token had been seen: nothing new was made. */
  reused: boolean;
}

export interface ListFilter {
  ids?: string[];
  /** All given tags must match. */
  tags?: Record<string, string>;
  states?: InstanceState[];
  region?: string;
  owner?: string;
}

/** A copy a caller may keep or change without touching the emulator's own record. */
export function snapshot(inst: EmulatedInstance): EmulatedInstance {
  return { ...inst, tags: { ...inst.tags }, backing: { ...inst.backing }, createdAt: new Date(inst.createdAt) };
}
