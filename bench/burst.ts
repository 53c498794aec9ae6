/**
 * The burst of issue 7, measured: N creates at once from one user (quota raised to N), through
 * the real API, worker, Temporal and Docker, each box a real container with the real Happy install.
 * Prints how the burst ended (active / error / stuck), the time until every box settled, the
 * highest 1-minute load average, and how many configureHappy activities ran at once
 * (policies.configureConcurrency.docker bounds it). Then deletes every box.
 *
 *   DATABASE_URL=… TEMPORAL_ADDRESS=… VIBEBOX_SECRET_KEY=… npx tsx bench/burst.ts [--n 40] [--minutes 60]
 *
 * (scripts/test.sh exports those three; see bench/README.md.) Heavy: N npm installs of
 * happy-coder and Claude Code, a bounded number at a time.
 */
import './quietLogs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { policies } from '../workflows/policies';
import { createBurst, deleteAll } from '../tests/support/burst';
import { startPlatform } from '../tests/support/platform';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '40' }, minutes: { type: 'string', default: '60' } } });
  const n = Number(values.n);
  const p = await startPlatform({ ENABLED_PROVIDERS: 'docker', VIBEBOX_QUOTA_BASIC: String(n), VIBEBOX_QUOTA_TOTAL: String(n), VIBEBOX_CREATE_BURST: String(n) });
  const { token } = await p.newUser();
  let ids: string[] = [];
  try {
    const load0 = os.loadavg()[0];
    const r = await createBurst(p, token, n, Number(values.minutes) * 60_000, (admitted) => (ids = admitted));
    console.log(`| N | answers | active | error | stuck | settled after | load avg (1 min) at start / max | configureHappy at once (limit) |`);
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(
      `| ${n} | ${JSON.stringify(r.answers)} | ${r.active} | ${r.error} | ${r.stuck.length} | ${r.secondsToSettle.toFixed(0)} s | ` +
        `${load0.toFixed(1)} / ${r.maxLoad1.toFixed(1)} | ${r.maxConfigureOverlap} (${policies.configureConcurrency.docker}) |`,
    );
    for (const e of r.errors) console.log(`error: ${e}`);
    for (const id of r.stuck) console.log(`stuck: ${id}`);
  } finally {
    // Every box goes, whatever happened above: a benchmark leaves nothing running.
    const deleting = Date.now();
    await deleteAll(p, token, ids);
    console.log(`deleted ${ids.length} boxes in ${((Date.now() - deleting) / 1000).toFixed(0)} s`);
    await p.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
