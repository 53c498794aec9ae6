/**
 * Metrics after a real run (issue 11): the worker runs as its own process, as in production, with
 * its Prometheus endpoint and the Temporal SDK runtime's exporter on; the API in this process. A
 * Docker box is created, becomes active and is deleted; a create the API refuses is asked for too.
 * Then both endpoints must show what happened: creates by plan/provider/outcome and requests by
 * route at the API; provider calls, lifecycle steps, recorded statuses and the SDK's own series at
 * the worker.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess } from '../../scripts/cluster/process';
import { eventually, startPlatform, TestPlatform } from '../support/platform';
import { scrapeSamples, sumOf } from '../support/prometheus';

let p: TestPlatform;
let worker: ManagedProcess | undefined;
let runDir: string;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  p = await startPlatform({ ENABLED_PROVIDERS: 'docker' }, { worker: false });
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vibebox-metrics-'));
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await p?.close();
  if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
});

it('the API and a worker process count what a box’s life did, with the SDK runtime’s own metrics', async () => {
  const [metricsPort, runtimePort] = [await freePort(), await freePort()];
  const env = Object.fromEntries(Object.entries(p.env).filter((e): e is [string, string] => e[1] !== undefined));
  worker = new ManagedProcess(
    {
      name: 'worker',
      command: process.execPath,
      args: ['--import', 'tsx', 'worker.ts'],
      env: { ...env, WORKER_METRICS_PORT: String(metricsPort), TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${runtimePort}` },
      cwd: path.resolve(__dirname, '../..'),
      ready: { kind: 'worker', address: p.config.TEMPORAL_ADDRESS, namespace: p.config.TEMPORAL_NAMESPACE, taskQueue: p.config.TEMPORAL_TASK_QUEUE },
      ports: [metricsPort, runtimePort],
      readyTimeoutMs: 180_000,
    },
    runDir,
  );
  await worker.start();
  const workerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;

  const { token } = await p.newUser();
  const refused = await p.call(token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'nosuchcloud' });
  expect(refused.status).toBe(400);
  const created = await p.call(token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  const box = await eventually(
    () => p.call(token, 'GET', `/api/vibeboxes/${id}`),
    (r) => r.body.status !== 'provisioning',
    10 * 60_000,
    1_000,
  );
  expect(box.body.status).toBe('active');
  expect((await p.call(token, 'DELETE', `/api/vibeboxes/${id}`)).status).toBe(202);
  await eventually(
    () => p.call(token, 'GET', `/api/vibeboxes/${id}`),
    (r) => r.status === 404,
    5 * 60_000,
    1_000,
  );

  const api = await scrapeSamples(`${p.api.url}/metrics`);
  expect(sumOf(api, 'vibebox_api_creates_total', { plan: 'basic', provider: 'docker', outcome: 'admitted' })).toBe(1);
  expect(sumOf(api, 'vibebox_api_creates_total', { plan: 'basic', provider: 'other', outcome: 'invalid_request' })).toBe(1);
  // Route patterns, not paths: one series for every box's GET.
  expect(sumOf(api, 'vibebox_api_requests_total', { method: 'GET', route: '/api/vibeboxes/{id}', status: '200' })).toBeGreaterThanOrEqual(1);
  expect(api.some((s) => s.labels.route?.includes(id))).toBe(false);
  expect(sumOf(api, 'vibebox_api_request_duration_seconds_count', { method: 'POST', route: '/api/vibeboxes' })).toBe(2);

  const w = await scrapeSamples(workerMetrics);
  expect(sumOf(w, 'vibebox_provider_calls_total', { provider: 'docker', action: 'createResource', outcome: 'ok' })).toBe(1);
  expect(sumOf(w, 'vibebox_provider_calls_total', { provider: 'docker', action: 'deleteResource', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  expect(sumOf(w, 'vibebox_activities_total', { activity: 'configureHappy', outcome: 'ok' })).toBe(1);
  expect(sumOf(w, 'vibebox_activity_duration_seconds_count', { activity: 'createResource' })).toBeGreaterThanOrEqual(1);
  expect(sumOf(w, 'vibebox_box_status_recorded_total', { provider: 'docker', status: 'active' })).toBeGreaterThanOrEqual(1);
  // The Temporal SDK runtime's exporter, appended to ours.
  expect(w.some((s) => s.name.startsWith('temporal_') && s.labels.task_queue === p.config.TEMPORAL_TASK_QUEUE)).toBe(true);
}, 20 * 60_000);
