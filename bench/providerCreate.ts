/**
 * Concurrent creation benchmark (性能测试（并发创建）): each cloud adapter, built exactly as the
 * platform builds it (factory + env config), against its own emulator started in this process.
 * N boxes, C at a time, each createResource → waitForStatus(RUNNING) → deleteResource(force).
 *
 * What the figures mean: the emulators have no machines behind them (NoBacking) and zero
 * transition delays by default, so this measures the platform's own cost per box — adapter
 * logic, the official SDKs (Aliyun, Tencent) or our signed client (ECloud), request signing and
 * verification, HTTP on loopback, the emulator's bookkeeping — not a cloud's provisioning time.
 * Client and emulator share one event loop, so the figures are a floor for the client side
 * and a ceiling for what one process can push. Each cloud first runs one warm-up round at full
 * concurrency (not counted), so JIT and connection pools do not penalize whichever cloud is first.
 *
 *   npx tsx bench/providerCreate.ts [--n 200] [--concurrency 20] [--clouds aliyun,tencent,chinamobile] [--create-delay 0]
 */
import './quietLogs'; // first: sets LOG_LEVEL=warn before any provider module loads
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { EmulatedCloud, NoBacking } from '../providers/emulation';
import { CLOUD_EMULATORS, EmulatedCloudType } from '../providers/cloudEmulators';
import { createProviderFactory } from '../providers/factory';
import { configFromEnv } from '../providers/settings';
import { ResourceStatus } from '../providers/types';

const CLOUDS: EmulatedCloudType[] = ['aliyun', 'tencent', 'chinamobile'];
/** A `basic` plan box, with no instance type given: type selection is part of every create, as in production. */
const SPEC = { cpu: 2, memory: 4, disk: 40 };
/**
 * Production polls from 500 ms; here a transition takes ~0 ms, so such an interval would be all
 * that create→running measured. 10 ms, doubling as usual, keeps the figure about the calls.
 * With --create-delay the doubling overshoots by up to the last interval (800 ms → ≈ 1.3–1.5 s).
 */
const WAIT = { initialIntervalMs: 10, maxIntervalMs: 1_000, timeoutMs: 60_000 };

interface Options {
  n: number;
  concurrency: number;
  clouds: EmulatedCloudType[];
  createDelayMs: number;
}

interface CloudResult {
  cloud: string;
  ok: number;
  errors: string[];
  totalMs: number;
  createMs: number[];
  readyMs: number[];
  /** API requests the emulator admitted, by action: how many round trips one box costs. */
  requests: Map<string, number>;
  cpuMs: number;
  loopDelayP99Ms: number;
  /** Instances still in the emulator after every delete finished: should be 0. */
  leftover: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '20' },
      clouds: { type: 'string', default: CLOUDS.join(',') },
      'create-delay': { type: 'string', default: '0' },
    },
  });
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  const clouds = values.clouds.split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of clouds) if (!CLOUDS.includes(c as EmulatedCloudType)) throw new Error(`--clouds: unknown cloud "${c}" (known: ${CLOUDS.join(', ')})`);
  return {
    n: int('n', values.n, 1),
    concurrency: int('concurrency', values.concurrency, 1),
    clouds: clouds as EmulatedCloudType[],
    createDelayMs: int('create-delay', values['create-delay'], 0),
  };
}

async function main(): Promise<void> {
  const opts = options();
  console.log(`concurrent create: N=${opts.n}, concurrency=${opts.concurrency}, create delay ${opts.createDelayMs} ms, no backing, node ${process.version}`);
  for (const cloud of opts.clouds) {
    // A fresh key per run; the emulator only listens on loopback.
    const credentials = { accessKeyId: `bench-${cloud}`, accessKeySecret: randomBytes(24).toString('base64url') };
    const emulator = await CLOUD_EMULATORS[cloud]({
      credentials: [credentials],
      backing: new NoBacking(),
      delays: { create: opts.createDelayMs, start: 0, stop: 0, reboot: 0, delete: 0 },
    });
    try {
      // The default quota (100 live per key and region) would refuse a large --concurrency; quotas are not what we measure.
      emulator.cloud.setQuota(Math.max(opts.n, 100));
      const requests = countRequests(emulator.cloud);
      const provider = await createProviderFactory().create(configFromEnv(cloud, emulator.providerEnv(credentials)));
      const run = randomBytes(4).toString('hex');
      const result: CloudResult = { cloud, ok: 0, errors: [], totalMs: 0, createMs: [], readyMs: [], requests, cpuMs: 0, loopDelayP99Ms: 0, leftover: 0 };

      /** One box's life. `record` is false for the warm-up, whose boxes are not counted. */
      const box = async (i: number, record: boolean) => {
        const started = performance.now();
        let id: string | undefined;
        try {
          // A client token, as the workflow always sends one (for ECloud it adds a find-by-tag call).
          const info = await provider.createResource({ ...SPEC, clientToken: `bench-${run}-${record ? '' : 'w'}${i}`, name: `bench-${i}` });
          id = info.id;
          const created = performance.now();
          await provider.waitForStatus(id, ResourceStatus.RUNNING, WAIT);
          if (!record) return;
          result.createMs.push(created - started);
          result.readyMs.push(performance.now() - started);
          result.ok++;
        } catch (err) {
          result.errors.push(err instanceof Error ? err.message : String(err));
        } finally {
          if (id) await provider.deleteResource(id, { force: true }).catch((err: unknown) => result.errors.push(`delete ${id}: ${String(err)}`));
        }
      };

      // Warm-up (see the header): JIT, connection pools and lazy SDK setup are not what we measure.
      await inParallel(Math.min(opts.n, opts.concurrency), opts.concurrency, (i) => box(i, false));
      await drained(emulator.cloud, 5_000);
      requests.clear();

      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await inParallel(opts.n, opts.concurrency, (i) => box(i, true));
      result.totalMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      result.cpuMs = (cpu.user + cpu.system) / 1000;
      loop.disable();
      result.loopDelayP99Ms = loop.percentile(99) / 1e6;
      result.leftover = await drained(emulator.cloud, 5_000);
      print(result);
    } finally {
      await emulator.close(); // server and every timer: the process must exit on its own
    }
  }
}

/** Runs task(0..n-1) with at most `concurrency` in flight. */
async function inParallel(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
}

/**
 * Counts every API request the emulator admits, by action. `admit` is the one gate all three
 * cloud layers call per authenticated request, so wrapping it (in this process only) sees
 * every round trip without touching the emulators.
 */
function countRequests(cloud: EmulatedCloud): Map<string, number> {
  const counts = new Map<string, number>();
  const admit = cloud.admit.bind(cloud);
  cloud.admit = (action, accessKey) => {
    counts.set(action, (counts.get(action) ?? 0) + 1);
    return admit(action, accessKey);
  };
  return counts;
}

/** Waits until every instance is gone (forced deletes finish after the delete delay); returns how many are left. */
async function drained(cloud: EmulatedCloud, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (cloud.list().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return cloud.list().length;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function print(r: CloudResult): void {
  const ms = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(1)).padStart(8);
  const row = (label: string, values: number[]) => {
    const s = [...values].sort((a, b) => a - b);
    return `  ${label.padEnd(16)}${[50, 95, 99, 100].map((p) => ms(percentile(s, p))).join('')}`;
  };
  const perBox = (n: number) => (r.ok ? (n / r.ok).toFixed(1) : '-');
  const totalRequests = [...r.requests.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${r.cloud}`);
  console.log(`  total ${(r.totalMs / 1000).toFixed(2)} s   ${((r.ok * 1000) / r.totalMs).toFixed(1)} creates/s   ok ${r.ok}   errors ${r.errors.length}   left in emulator ${r.leftover}`);
  console.log(`  CPU ${perBox(r.cpuMs)} ms/box (client + emulator)   event-loop delay p99 ${r.loopDelayP99Ms.toFixed(1)} ms   API requests ${perBox(totalRequests)}/box`);
  console.log(`  ${'latency (ms)'.padEnd(16)}${['p50', 'p95', 'p99', 'max'].map((h) => h.padStart(8)).join('')}`);
  console.log(row('createResource', r.createMs));
  console.log(row('create→running', r.readyMs));
  console.log(`  requests: ${[...r.requests].map(([action, n]) => `${action} ${n}`).join(', ')}`);
  if (r.errors.length > 0) console.log(`  first error: ${r.errors[0]}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
