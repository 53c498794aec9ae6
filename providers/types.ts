/**
 * The provider contract (seed: 接口设计). Providers speak only these types; they know nothing of
 * Temporal, HTTP or the database.
 */

export const PROVIDER_TYPES = ['chinamobile', 'aliyun', 'tencent', 'docker'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export function isProviderType(value: string): value is ProviderType {
  return (PROVIDER_TYPES as readonly string[]).includes(value);
}

/** Unified lifecycle status (seed: 资源状态). */
export enum ResourceStatus {
  CREATING = 'CREATING',
  RUNNING = 'RUNNING',
  STOPPED = 'STOPPED',
  STARTING = 'STARTING',
  STOPPING = 'STOPPING',
  DELETING = 'DELETING',
  DELETED = 'DELETED',
  ERROR = 'ERROR',
}

/** Seed: ProviderConfig. `options` holds provider-specific settings, validated by each provider's zod schema. */
export interface ProviderConfig {
  type: ProviderType;
  credentials?: { accessKeyId: string; accessKeySecret: string };
  region?: string;
  options?: Record<string, unknown>;
}

/** Seed: ResourceSpec. cpu in cores, memory and disk in GiB. */
export interface ResourceSpec {
  cpu: number;
  memory: number;
  disk: number;
  region?: string;
  /** Zone inside the region, when the caller (selection) already picked one. */
  zone?: string;
  /** Provider-specific instance type, when the caller (selection) already picked one. */
  instanceType?: string;
  image?: string;
  tags?: Record<string, string>;
  /**
   * Idempotency key: the same token twice yields one resource. Derived by the workflow from its
   * id and the candidate, so a retried create never makes a second box.
   */
  clientToken?: string;
  /** Login password to set; when absent the provider generates a strong one and returns it. */
  password?: string;
  /** Name for the resource, when the provider supports one. */
  name?: string;
}

/** A health probe's outcome; `reason` says why a failed one failed. */
export type HealthResult = { ok: true } | { ok: false; reason: string };

/** Seed: ResourceInfo. */
export interface ResourceInfo {
  id: string;
  status: ResourceStatus;
  ipAddress?: string;
  privateIp?: string;
  sshPort: number;
  sshUser: string;
  /** Present only on the result of createResource, and only there. */
  sshPassword?: string;
  sshKeyPath?: string;
  /** Provider-specific detail (instance type, zone, raw cloud status, "emulated" flag…). */
  metadata: Record<string, unknown>;
  createdAt: Date;
}

/** How a caller bounds one createResource call. */
export interface CreateOptions {
  /**
   * How long the whole call may take. Adapters whose create waits inside the call (ECloud turns an
   * order into an instance) stop waiting by then; the caller's retry finds what was made.
   */
  timeoutMs?: number;
}

/**
 * Where inside its region a resource goes, chosen once by `choosePlacement` and passed back in
 * every create of that resource (ResourceSpec.zone / instanceType): a retried create under the
 * same client token must ask for exactly the same thing, or clouds refuse it (Aliyun's
 * IdempotentParameterMismatch). Absent fields are the cloud's choice.
 */
export interface Placement {
  zone?: string;
  instanceType?: string;
}

/** Which resources `listResources` returns: those carrying every one of these tags (labels). */
export interface ResourceFilter {
  tags: Record<string, string>;
}

/**
 * Options for waitForStatus: bounded, backing-off polling. No defaults here: the numbers are
 * workflow policy (workflows/policies.ts `wait`), passed down by the caller.
 */
export interface WaitOptions {
  timeoutMs: number;
  initialIntervalMs: number;
  maxIntervalMs: number;
  /** Called after every poll; activities use it to heartbeat. Throwing aborts the wait. */
  onPoll?: (info: ResourceInfo | undefined) => void;
  /**
   * For this long from the start of the wait, NotFound means "not visible yet", not "gone": clouds
   * list a new instance a little after its create answered (eventual consistency). 0 by default.
   */
  notFoundGraceMs?: number;
}

/**
 * Seed: the 9 operations every provider implements, and two more the platform needs to leak
 * nothing. `initialize` validates the config and builds the cloud client; the others are the
 * lifecycle verbs. Stop and delete take `force` for the seed's force-stop / force-delete
 * fallbacks. `choosePlacement` picks zone and instance type without creating (so retries reuse
 * them); `listResources` finds resources by tag through the cloud's own filter (the reconciler's
 * inventory, and a retried create's "was it made already?").
 */
export interface IResourceProvider {
  readonly type: ProviderType;
  readonly name: string;
  initialize(config: ProviderConfig): Promise<void>;
  /** Zone and instance type for `spec` (the seed's 规格映射), without creating anything. InsufficientStock when nothing fits. */
  choosePlacement(spec: ResourceSpec): Promise<Placement>;
  createResource(spec: ResourceSpec, opts?: CreateOptions): Promise<ResourceInfo>;
  /** Throws ProviderError NotFound when the resource does not exist (or is gone). */
  getResourceInfo(id: string): Promise<ResourceInfo>;
  startResource(id: string): Promise<void>;
  stopResource(id: string, opts?: { force?: boolean }): Promise<void>;
  restartResource(id: string, opts?: { force?: boolean }): Promise<void>;
  /** Deleting a resource that is already gone succeeds. */
  deleteResource(id: string, opts?: { force?: boolean }): Promise<void>;
  /** Resolves with the resource once it reaches `status` (DELETED: once it is gone). */
  waitForStatus(id: string, status: ResourceStatus, opts: WaitOptions): Promise<ResourceInfo | undefined>;
  healthCheck(): Promise<boolean>;
  /**
   * healthCheck() with the reason it failed. Optional, not one of the seed's nine: BaseProvider
   * gives every adapter one; without it a failed check has no reason but "false".
   */
  checkHealth?(): Promise<HealthResult>;
  /**
   * Every resource (all pages) carrying all of `filter.tags`, except those deleted or being
   * deleted. Each has `status`, `createdAt` and its tags in `metadata.tags`; addresses may be absent.
   */
  listResources(filter: ResourceFilter): Promise<ResourceInfo[]>;
  /**
   * The largest box this provider can place, when it knows better than a catalog (Docker: the
   * host's CPUs and memory). Optional, and not one of the seed's nine: clouds leave it out and
   * their catalogs answer (providers/capacity.ts).
   */
  capacity?(): Promise<{ cpu: number; memoryGiB: number }>;
}
