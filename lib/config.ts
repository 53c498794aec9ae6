/**
 * Process configuration from the environment, validated once at start. Everything has an
 * embedded default for local runs; production sets DATABASE_URL, TEMPORAL_ADDRESS and keys.
 */
import { z } from 'zod';

const configSchema = z.object({
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('vibebox'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  /** 32-byte key (base64 or hex) sealing VibeBox passwords at rest. */
  VIBEBOX_SECRET_KEY: z.string().min(1, 'VIBEBOX_SECRET_KEY is required (32 bytes, base64)'),
  /** npm registry the boxes install happy-coder and Claude Code from. */
  HAPPY_NPM_REGISTRY: z.string().url().default('https://registry.npmjs.org/'),
  HAPPY_PACKAGES: z.string().default('happy-coder @anthropic-ai/claude-code'),
  /** The non-root login that runs Happy inside the box. */
  HAPPY_USER: z.string().regex(/^[a-z_][a-z0-9_-]{0,30}$/).default('vibe'),
  HAPPY_SERVER_URL: z.string().url().optional(),
  HAPPY_WEBAPP_URL: z.string().url().optional(),
  /**
   * This platform's name on every resource it creates (tag `vibebox:deployment`) and on every row:
   * the reconciler deletes only what carries it. Default `<namespace>/<task queue>`; set it to a
   * name unique among all platforms that share a cloud account.
   */
  VIBEBOX_DEPLOYMENT: z.string().regex(/^[A-Za-z0-9._:/@+=-]{1,64}$/, '1-64 letters, digits and ._:/@+=-').optional(),
  /** Operators' overrides of the reconciler's cadence and grace periods (defaults in workflows/policies.ts). */
  RECONCILE_EVERY_SECONDS: z.coerce.number().int().min(10).optional(),
  RECONCILE_ORPHAN_GRACE_SECONDS: z.coerce.number().int().min(0).optional(),
  RECONCILE_ROW_GRACE_SECONDS: z.coerce.number().int().min(0).optional(),
  /** `true`: the reconciler reports what it would do and does nothing. */
  RECONCILE_DRY_RUN: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** The worker serves Prometheus metrics on this port (GET /metrics) when set; 0 picks a free one. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** host:port for the Temporal SDK runtime's own Prometheus exporter; the worker's /metrics includes it. Off when unset. */
  TEMPORAL_METRICS_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port').optional(),
  /** JSON of policy values to tighten for every new box (workflows/policies.ts); tests and staging only. */
  VIBEBOX_POLICY_OVERRIDES: z.string().optional(),
});

export type AppConfig = z.infer<typeof configSchema>;

/** The deployment name resources and rows carry (see VIBEBOX_DEPLOYMENT). */
export function deploymentOf(config: Pick<AppConfig, 'VIBEBOX_DEPLOYMENT' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE'>): string {
  return config.VIBEBOX_DEPLOYMENT ?? `${config.TEMPORAL_NAMESPACE}/${config.TEMPORAL_TASK_QUEUE}`;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ');
    throw new Error(`invalid configuration:\n  ${problems}`);
  }
  return result.data;
}
