/**
 * Postgres schema. Lifecycle truth lives in each VibeBox's workflow; `vibeboxes` is the
 * projection the API lists and authorizes against (DESIGN.md: one truth per fact).
 */
import { bigint, bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { HappyState } from '../workflows/definitions';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  name: text('name'),
  /**
   * Operators: may set provider credentials and read payloads through the codec endpoint. A
   * minimal flag until roles and scopes exist; `npm run admin -- create-user <email> --admin`.
   */
  isAdmin: boolean('is_admin').notNull().default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Bearer tokens, stored as sha256 hashes: a database leak yields no usable token. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    /** First characters of the token, so an operator can tell tokens apart without the secret. */
    prefix: text('prefix').notNull(),
    name: text('name'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId)],
);

export const vibeboxes = pgTable(
  'vibeboxes',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    planId: text('plan_id').notNull(),
    /** What the user asked for (null: automatic selection). */
    requestedProviderType: text('requested_provider_type'),
    requestedRegion: text('requested_region'),
    /** Where the box actually landed, once a candidate was chosen. */
    providerType: text('provider_type'),
    region: text('region'),
    resourceId: text('resource_id'),
    status: text('status').notNull(),
    /** Where the box is inside its status (workflows/definitions.ts VIBEBOX_STEPS); null before the workflow first wrote. */
    step: text('step'),
    ipAddress: text('ip_address'),
    sshPort: integer('ssh_port'),
    sshUser: text('ssh_user'),
    /** The login password, AES-256-GCM encrypted (lib/secretBox.ts); shown to the user once, at creation. */
    sshPasswordEnc: text('ssh_password_enc'),
    /** The box's SSH host key fingerprint (`SHA256:…`), recorded at first configure, checked after. */
    sshHostKey: text('ssh_host_key'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    lastError: text('last_error'),
    /**
     * Where the box may go and why (workflows/selection.ts Placement): the API stores the request
     * (`{ request }`), the workflow adds the chosen candidate list and the reason for the pick.
     */
    placement: jsonb('placement').$type<Record<string, unknown>>(),
    /**
     * Which platform manages the box (config VIBEBOX_DEPLOYMENT; by default `<namespace>/<task
     * queue>`, hence this default): the reconciler looks only at its own deployment's rows.
     */
    deployment: text('deployment').notNull().default('default/vibebox'),
    /**
     * The workflow's number for the state this row shows: a write carrying a lower one is older
     * and changes nothing, so the projection never goes backwards.
     */
    stateSeq: bigint('state_seq', { mode: 'number' }).notNull().default(0),
    /**
     * When the box's workflow was known to be started. The API inserts the row with null and sets
     * it once Temporal confirmed the start: a row still null after policies.admission.createInFlight
     * was left by a create request that failed ambiguously or died, and its workflow must be
     * started (or found) by whoever resolves it — never the row deleted while a workflow may run.
     * Rows written by anyone else (tests, earlier versions) default to "started".
     */
    workflowStartedAt: timestamp('workflow_started_at', { withTimezone: true }).defaultNow(),
    /** The Happy pairing as the workflow last recorded it (public fields only; null: never asked). */
    happy: jsonb('happy').$type<HappyState>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('vibeboxes_user_idx').on(t.userId), index('vibeboxes_deployment_status_idx').on(t.deployment, t.status)],
);

/**
 * Idempotency keys of create requests (the `Idempotency-Key` header), per user: the same key with
 * the same request returns the box it created; with another request it is refused. Remembered
 * until `expires_at` (policies.admission.idempotencyKeyTtl); expired keys of a user are swept at
 * that user's next create.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    /** sha256 of the validated request body (canonical JSON). */
    requestHash: text('request_hash').notNull(),
    /** No foreign key: the key outlives a deleted box, and a replay says the box is gone. */
    vibeboxId: text('vibebox_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

/** Token buckets for per-user rate limits, in Postgres so every API process draws from the same one. */
export const rateLimitBuckets = pgTable(
  'rate_limit_buckets',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** What is limited, e.g. `create`. */
    bucket: text('bucket').notNull(),
    tokens: doublePrecision('tokens').notNull(),
    refilledAt: timestamp('refilled_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.bucket] })],
);

/**
 * The largest box each (provider, region) can place, as the worker observed it (a Docker host's
 * CPUs and memory from `docker info`): the API reads it to refuse a plan that cannot fit with a
 * 400, without loading any provider code.
 */
export const providerCapacity = pgTable(
  'provider_capacity',
  {
    providerType: text('provider_type').notNull(),
    region: text('region').notNull(),
    maxCpu: doublePrecision('max_cpu').notNull(),
    maxMemoryGib: doublePrecision('max_memory_gib').notNull(),
    /** Where the numbers come from, for the operator: e.g. `docker info on host-a`. */
    source: text('source').notNull(),
    observedAt: timestamp('observed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.providerType, t.region] })],
);

/**
 * Each enabled (provider, region)'s health as the health Schedule last saw it (seed 监控与容错):
 * `policies.health.unavailableAfter` failed checks in a row make it unavailable — new boxes go
 * elsewhere — and one success makes it available again. Selection and the API read it.
 */
export const providerHealth = pgTable(
  'provider_health',
  {
    providerType: text('provider_type').notNull(),
    region: text('region').notNull(),
    available: boolean('available').notNull().default(true),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** Why the last failed check failed (the provider's error, redacted), or null after a success. */
    lastError: text('last_error'),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }).notNull().defaultNow(),
    lastOkAt: timestamp('last_ok_at', { withTimezone: true }),
    /** When `available` last changed (or the row was first written). */
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.providerType, t.region] })],
);

/** One row per provider API call. Holds ids and outcomes only — never a secret. */
export const providerCalls = pgTable(
  'provider_calls',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** No foreign key: the audit trail outlives the VibeBox row. */
    vibeboxId: text('vibebox_id'),
    provider: text('provider').notNull(),
    region: text('region'),
    action: text('action').notNull(),
    resourceId: text('resource_id'),
    traceId: text('trace_id').notNull(),
    providerRequestId: text('provider_request_id'),
    outcome: text('outcome').notNull(),
    errorKind: text('error_kind'),
    errorCode: text('error_code'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('provider_calls_vibebox_idx').on(t.vibeboxId)],
);

/**
 * One row per reconciler run: what it saw and did, per (provider, region) in `findings`, with
 * the headline counts as columns for the runbook's queries.
 */
export const reconcileRuns = pgTable(
  'reconcile_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The run's workflow id (the Schedule's id plus the tick's time). */
    runId: text('run_id').notNull(),
    deployment: text('deployment').notNull(),
    dryRun: boolean('dry_run').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }).notNull().defaultNow(),
    resourcesSeen: integer('resources_seen').notNull(),
    orphansFound: integer('orphans_found').notNull(),
    orphansDeleted: integer('orphans_deleted').notNull(),
    vanishedReported: integer('vanished_reported').notNull(),
    rowsResolved: integer('rows_resolved').notNull(),
    errors: integer('errors').notNull(),
    findings: jsonb('findings').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('reconcile_runs_started_idx').on(t.deployment, t.startedAt)],
);

export type User = typeof users.$inferSelect;
export type VibeBoxRow = typeof vibeboxes.$inferSelect;
export type ProviderCallRow = typeof providerCalls.$inferInsert;
