/**
 * The activity factory: dependencies injected, never module globals (Temporal's samples).
 * Workflows import only the types from here.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { SecretBox } from '../lib/secretBox';
import type { ProviderPool } from '../providers/pool';
import { recordProviderCalls } from './audit';
import { createHappyActivities } from './configureHappy';
import type { HappySettings } from './happyScript';
import { createProviderActivities } from './providerActivities';
import { createReconcileActivities } from './reconcileActivities';
import { createStateActivities } from './stateActivities';

export interface ActivityDeps {
  db: Db;
  providers: ProviderPool;
  secrets: SecretBox;
  happy: HappySettings;
  log: Logger;
  /** The worker's Temporal client (the reconciler asks box workflows what they own). */
  temporal: Client;
  /** This platform's name on every resource and row it makes (lib/config.ts deploymentOf). */
  deployment: string;
}

export const createActivities = (deps: ActivityDeps) => {
  recordProviderCalls(deps.providers, deps.db, deps.log);
  return {
    ...createProviderActivities(deps),
    ...createHappyActivities(deps),
    ...createStateActivities(deps),
    ...createReconcileActivities(deps),
  };
};

export type VibeBoxActivities = ReturnType<typeof createActivities>;
