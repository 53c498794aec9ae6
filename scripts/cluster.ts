/**
 * The cluster runner's command line (scripts/cluster.sh sets up the services, then runs this):
 *
 *   up [--apis N] [--workers N] [--emulators aliyun,tencent] [--fresh] [--private-postgres PORT]
 *      [--temporal-postgres PORT]
 *                       start the production shape (scripts/cluster/cluster.ts) and return;
 *                       --private-postgres: on a Postgres of its own (process `postgres`);
 *                       --temporal-postgres: Temporal's databases on a second one (`postgres-temporal`)
 *   status              every process: name, pid (or "down"), log file; and the endpoints
 *   stop|kill|start|restart <name>
 *                       one process: SIGTERM | SIGKILL | start (waits until ready) | stop+start
 *   down                stop everything (SIGTERM, SIGKILL after a grace period)
 *
 * Environment (set by scripts/cluster.sh): VIBEBOX_CLUSTER_DIR (run directory), DATABASE_URL,
 * VIBEBOX_TEMPORAL_SERVER_DIR; for `up`, VIBEBOX_SECRET_KEY and ENABLED_PROVIDERS if set.
 */
import { parseArgs } from 'node:util';
import { redactText } from '../lib/redact';
import { Cluster, openCluster, startCluster } from './cluster/cluster';

const USAGE = `usage: scripts/cluster.sh up [--apis N] [--workers N] [--emulators c1,c2] [--fresh] [--private-postgres PORT] [--temporal-postgres PORT]
       scripts/cluster.sh status | down
       scripts/cluster.sh stop|kill|start|restart <name>   (names: see status)\n`;

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through scripts/cluster.sh)`);
  return v;
}

function printStatus(c: Cluster): void {
  for (const s of c.status()) process.stdout.write(`${s.name.padEnd(20)} ${String(s.pid ?? 'down').padEnd(8)} ${s.logFile}\n`);
  process.stdout.write(
    [
      '',
      `Temporal   ${c.temporalAddress}  namespace ${c.namespace}, task queue ${c.taskQueue}`,
      `           e.g. temporal workflow list --address ${c.temporalAddress} --namespace ${c.namespace}`,
      ...c.apis.map((a, i) => `${a.name.padEnd(10)} ${c.apiUrl(i)}  (explorer: ${c.apiUrl(i)}/api/docs)`),
      `Database   ${redactText(c.appEnv.DATABASE_URL)}`,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      apis: { type: 'string', default: '2' },
      workers: { type: 'string', default: '2' },
      emulators: { type: 'string', default: '' },
      fresh: { type: 'boolean', default: false },
      'private-postgres': { type: 'string' },
      'temporal-postgres': { type: 'string' },
    },
  });
  const [command, name] = positionals;
  const runDir = required('VIBEBOX_CLUSTER_DIR');
  switch (command) {
    case 'up': {
      const cluster = await startCluster({
        runDir,
        ...(values['private-postgres'] ? { privatePostgresPort: Number(values['private-postgres']) } : { databaseUrl: required('DATABASE_URL') }),
        ...(values['temporal-postgres'] ? { temporalPostgresPort: Number(values['temporal-postgres']) } : {}),
        temporalBinDir: required('VIBEBOX_TEMPORAL_SERVER_DIR'),
        apis: Number(values.apis),
        workers: Number(values.workers),
        emulators: values.emulators ? values.emulators.split(',') : [],
        freshTemporalDatabases: values.fresh,
        env: Object.fromEntries(
          ['VIBEBOX_SECRET_KEY', 'ENABLED_PROVIDERS', 'LOG_LEVEL'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
        ),
      });
      printStatus(cluster);
      return;
    }
    case 'status':
      return printStatus(openCluster(runDir));
    case 'down':
      return openCluster(runDir).stop();
    case 'stop':
    case 'kill':
    case 'start':
    case 'restart': {
      if (!name) break;
      const member = openCluster(runDir).member(name);
      const before = member.pid;
      await member[command]();
      process.stdout.write(`${name}: ${command} done (pid ${before ?? '-'} → ${member.pid ?? 'down'})\n`);
      return;
    }
  }
  process.stderr.write(USAGE);
  process.exit(2);
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
});
