/**
 * The activity factory: dependencies injected, never module globals (Temporal's samples).
 * Workflows import only the types from here.
 */
import type { Client } from '@temporalio/client';
import type { DatabaseRetry, Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { SecretBox } from '../lib/secretBox';
import type { ProviderPool } from '../providers/pool';
import { recordProviderCalls } from './audit';
import { createHappyActivities } from './configureHappy';
import { createHappyPairingActivities } from './happyPairing';
import type { HappySettings } from './happyScript';
import type { WorkerMetrics } from './metrics';
import { createProviderActivities } from './providerActivities';
import { createHealthActivities } from './providerHealth';
import { createReconcileActivities } from './reconcileActivities';
import { createStateActivities } from './stateActivities';

export interface ActivityDeps {
  db: Db;
  providers: ProviderPool;
  secrets: SecretBox;
  happy: HappySettings;
  /** How activities wait out a Postgres outage (policies.dependencies.databaseRetry, passed down). */
  databaseRetry: DatabaseRetry;
  log: Logger;
  /** Where health alerts are POSTed besides the log (VIBEBOX_ALERT_WEBHOOK_URL); none when unset. */
  alertWebhookUrl?: string;
  /** The worker's Temporal client (the reconciler asks box workflows what they own). */
  temporal: Client;
  /** This platform's name on every resource and row it makes (lib/config.ts deploymentOf). */
  deployment: string;
  /** Counts provider calls and recorded statuses when given (worker.ts serves them). */
  metrics?: WorkerMetrics;
}

export const createActivities = (deps: ActivityDeps) => {
  recordProviderCalls(deps);
  deps.metrics?.observeProviders(deps.providers);
  return {
    ...createProviderActivities(deps),
    ...createHappyActivities(deps),
    ...createHappyPairingActivities(deps),
    ...createStateActivities(deps),
    ...createHealthActivities(deps),
    ...createReconcileActivities(deps),
  };
};

export type VibeBoxActivities = ReturnType<typeof createActivities>;
