/**
 * Chaos with numbers (issue 7, item 9): N concurrent provisions on the emulated clouds while
 * R1 (worker SIGKILLs), R2 (Temporal server killed and restarted), R3 (the platform's Postgres
 * down 30 s) strike — and R0, no fault, as the baseline — each on the same cluster in turn
 * (scripts/cluster: API ×2, worker ×2, the SQL-backed Temporal server, one emulator process per
 * cloud, Docker-backed instances answering SSH, two Postgres servers of its own). Prints the table
 * (scenario, boxes, duplicates, orphans, converged, time to converge, …) and every problem found;
 * exits 1 when an invariant is broken. The harness is tests/chaos/ (the CI test,
 * tests/e2e/chaos.test.ts, runs it at small N).
 *
 *   bash bench/chaos.sh [--n 100] [--scenarios R0,R1,R2,R3] [--seed S] [--create-delay 20000]
 *                       [--kills 6] [--outages 2] [--during 4] [--window 120000] [--timeout-min 60]
 *
 * (bench/chaos.sh makes sure Docker, the base image and the Temporal server binaries are there,
 * then runs this with VIBEBOX_TEMPORAL_SERVER_DIR set.)
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { observeCluster, startChaosCluster } from '../tests/chaos/environment';
import { runScenario, ScenarioResult } from '../tests/chaos/scenario';
import { chaosScenario, SCENARIO_NAMES, ScenarioName } from '../tests/chaos/scenarios';
import { chaosReport } from '../tests/chaos/table';

/** Ports apart from the CI test's and a developer's scripts/cluster.sh cluster. */
const PORTS = { postgres: 5463, temporalPostgres: 5464, temporal: 7543, api: 3131, emulator: 9131 };

function options() {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '100' },
      scenarios: { type: 'string', default: 'R0,R1,R2,R3' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      'create-delay': { type: 'string', default: '20000' },
      kills: { type: 'string', default: '6' },
      outages: { type: 'string', default: '2' },
      during: { type: 'string', default: '4' },
      window: { type: 'string', default: '120000' },
      'timeout-min': { type: 'string', default: '60' },
    },
  });
  const scenarios = values.scenarios.split(',').map((s) => s.trim().toUpperCase());
  for (const s of scenarios) if (!(SCENARIO_NAMES as readonly string[]).includes(s)) throw new Error(`unknown scenario ${s} (known: ${SCENARIO_NAMES.join(', ')})`);
  return {
    n: Number(values.n),
    scenarios: scenarios as ScenarioName[],
    seed: Number(values.seed),
    createDelayMs: Number(values['create-delay']),
    plan: { kills: Number(values.kills), temporalOutages: Number(values.outages), requestsDuringOutage: Number(values.during), strikeWindowMs: Number(values.window) },
    timeoutMs: Number(values['timeout-min']) * 60_000,
  };
}

const log = (line: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<number> {
  const o = options();
  const binDir = process.env.VIBEBOX_TEMPORAL_SERVER_DIR;
  if (!binDir) throw new Error('VIBEBOX_TEMPORAL_SERVER_DIR is not set: run through bash bench/chaos.sh');
  log(`starting the cluster (N=${o.n}, scenarios ${o.scenarios.join(' ')}, seed ${o.seed})`);
  const started = Date.now();
  const cluster = await startChaosCluster({ runDir: path.join(os.tmpdir(), 'vibebox-chaos-bench'), temporalBinDir: binDir, ports: PORTS });
  const stop = () => void cluster.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const env = await observeCluster(cluster);
  log(`cluster up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const results: ScenarioResult[] = [];
  try {
    for (const [i, name] of o.scenarios.entries()) {
      log(`${name}: ${o.n} boxes`);
      results.push(
        await runScenario(env, chaosScenario(name, o.plan), {
          boxes: o.n,
          createDelayMs: o.createDelayMs,
          convergeTimeoutMs: o.timeoutMs,
          cleanupTimeoutMs: o.timeoutMs,
          seed: o.seed + i,
          log,
        }),
      );
    }
  } finally {
    await env.close();
    await cluster.stop();
  }
  process.stdout.write(`\nchaos, N=${o.n} per scenario, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n${chaosReport(results)}\n`);
  const broken = results.some((r) => r.verdict.duplicates || r.verdict.orphans || r.verdict.lost || r.verdict.unsettled);
  return broken ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
