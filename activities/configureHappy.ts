/**
 * configureHappy: over SSH with the box's own credentials, make the box ready to code — a
 * non-root user, Node.js, happy-coder and Claude Code, Happy's environment and daemon service —
 * then check `happy --version`. Idempotent; heartbeats each step.
 */
import type { DatabaseRetry, Db } from '../lib/db';
import type { SecretBox } from '../lib/secretBox';
import { ProviderError } from '../providers/errors';
import { asRoot, BoxAddress, withBoxSession } from './boxSession';
import { asActivity } from './failures';
import { heartbeating } from './heartbeat';
import { HappyScriptReport, HappySettings, happyScript, parseReport } from './happyScript';

export interface ConfigureHappyDeps {
  db: Db;
  secrets: SecretBox;
  happy: HappySettings;
  databaseRetry: DatabaseRetry;
}

export type ConfigureHappyInput = BoxAddress;

export const createHappyActivities = ({ db, secrets, happy, databaseRetry }: ConfigureHappyDeps) => ({
  async configureHappy(input: ConfigureHappyInput): Promise<HappyScriptReport> {
    return asActivity(() =>
      withBoxSession({ db, secrets, databaseRetry }, input, async (session) => {
        let tail = '';
        let step = 'start';
        // Root runs the script as it is; another login (e.g. `ubuntu` on cloud images) through sudo.
        const result = await heartbeating(
          () => ({ step }),
          () =>
            session.exec(asRoot(input.user, 'bash -s'), {
              stdin: happyScript(happy),
              onOutput: (chunk) => {
                tail = (tail + chunk).slice(-4_000);
                for (const m of chunk.matchAll(/^::step (\S+)/gm)) step = m[1];
              },
            }),
        );
        if (result.code !== 0) {
          throw new ProviderError('Transient', `Happy setup failed (exit ${result.code}): ${tail.trim().slice(-800)}`);
        }
        const report = parseReport(result.stdout);
        if (!/\d+\.\d+/.test(report.happyVersion)) {
          throw new ProviderError('Transient', `happy --version did not print a version: "${report.happyVersion}"`);
        }
        return report;
      }),
    );
  },
});

export type HappyActivities = ReturnType<typeof createHappyActivities>;
