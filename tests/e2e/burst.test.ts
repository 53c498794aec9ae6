/**
 * A burst of creates from one user within quota converges (issue 7): every box ends `active` (or
 * cleanly `error`), none stuck, while the worker runs at most policies.configureConcurrency.docker
 * configureHappy activities at once — the rest wait on the Docker configure queue instead of
 * running every npm install together. N is small here; bench/burst.ts runs N = 40 and prints the
 * figures.
 */
import { configureTaskQueue } from '../../workflows/definitions';
import { policies } from '../../workflows/policies';
import { createBurst, deleteAll } from '../support/burst';
import { startPlatform, TestPlatform } from '../support/platform';

const N = 6;
/** N npm installs, a few at a time, on a shared 2-core host: slow by nature. */
const SETTLE_WITHIN_MS = 40 * 60_000;
let p: TestPlatform;
let cleanup: (() => Promise<void>) | undefined;

beforeAll(async () => {
  p = await startPlatform({ ENABLED_PROVIDERS: 'docker', VIBEBOX_QUOTA_BASIC: String(N), VIBEBOX_QUOTA_TOTAL: String(N) });
});
afterAll(async () => {
  await cleanup?.();
  await p?.close();
});

it(`${N} creates at once from one user all converge, configured at most ${policies.configureConcurrency.docker} at a time`, async () => {
  const { token } = await p.newUser();
  const result = await createBurst(p, token, N, SETTLE_WITHIN_MS, (ids) => (cleanup = () => deleteAll(p, token, ids)));
  expect(result.answers).toEqual({ 202: N });
  expect(result.stuck).toEqual([]);
  expect(result.errors).toEqual([]);
  expect(result.active).toBe(N);
  expect(result.configureQueues).toEqual([configureTaskQueue(p.config.TEMPORAL_TASK_QUEUE, 'docker')]);
  expect(result.maxConfigureOverlap).toBeGreaterThan(0);
  expect(result.maxConfigureOverlap).toBeLessThanOrEqual(policies.configureConcurrency.docker);
}, SETTLE_WITHIN_MS + 10 * 60_000);
