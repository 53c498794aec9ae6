/**
 * The production shape on one machine, as separate OS processes: a SQL-backed Temporal server,
 * N API processes, N workers and the cloud emulators, all on one Postgres database and one
 * Temporal namespace and task queue. Each process can be stopped (SIGTERM), killed (SIGKILL),
 * started and restarted on its own — what the chaos tests and scripts/cluster.sh drive.
 *
 * The cluster's definition is saved as <runDir>/cluster.json, so openCluster(runDir) in another
 * process (e.g. `scripts/cluster.sh kill worker-1`) gets the same handle back.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDatabase, initPrivatePostgres, privatePostgresProcess, privatePostgresUrl } from './privatePostgres';
import { ManagedProcess, ProcessSpec } from './process';
import { ensureNamespace, PostgresServer, prepareTemporalDatabases, temporalAddress, TemporalServerOptions, temporalServerProcess } from './temporalServer';

export interface ClusterOptions {
  /** Pid files, logs, the Temporal config and cluster.json. */
  runDir: string;
  /**
   * The platform's database, shared by every API and worker; Temporal's databases live on the
   * same server. Not needed with `privatePostgresPort`.
   */
  databaseUrl?: string;
  /**
   * Run a Postgres server of the cluster's own on this port (data in <runDir>/postgres, from the
   * Debian binaries) and put every database there: the one a chaos test may stop or kill.
   */
  privatePostgresPort?: number;
  /**
   * Put Temporal's databases on a second Postgres of the cluster's own, on this port (process
   * `postgres-temporal`, data in <runDir>/postgres-temporal), as production gives Temporal its own
   * instance: stopping the platform's Postgres then leaves Temporal serving. Needs
   * `privatePostgresPort`.
   */
  temporalPostgresPort?: number;
  /** Where temporal-server and temporal-sql-tool are (VIBEBOX_TEMPORAL_SERVER_DIR). */
  temporalBinDir: string;
  /** Frontend gRPC port (the server takes the next 4 and +10..+13 too). Default 7243. */
  temporalPort?: number;
  /** Default temporal_cluster and temporal_cluster_visibility. */
  temporalDatabases?: { main: string; visibility: string };
  /** Drop and recreate Temporal's databases first: a cluster with no history. */
  freshTemporalDatabases?: boolean;
  /** Default `vibebox`. */
  namespace?: string;
  /** Default `vibebox`. */
  taskQueue?: string;
  /** Default 2, on ports apiPort, apiPort+1, … (default 3101). */
  apis?: number;
  apiPort?: number;
  /** Default 2. */
  workers?: number;
  /** One emulator process per cloud named, on emulatorPort, +1, … (default 9101). Default none. */
  emulators?: string[];
  emulatorPort?: number;
  /** More environment for the APIs and workers (e.g. ENABLED_PROVIDERS, LOG_LEVEL, VIBEBOX_SECRET_KEY). */
  env?: Record<string, string>;
}

/** What cluster.json holds: enough to rebuild every process handle in another command. */
interface SavedCluster {
  temporal: TemporalServerOptions;
  taskQueue: string;
  apiUrls: string[];
  /** The environment the APIs and workers got (includes VIBEBOX_SECRET_KEY: the file is 0600). */
  appEnv: Record<string, string>;
  specs: ProcessSpec[];
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const STATE_FILE = 'cluster.json';
const TEMPORAL_POSTGRES = 'postgres-temporal';

/** The Node entry points run in-process through tsx's loader: the pid is the app itself, not an npx wrapper. */
const nodeApp = (script: string, ...args: string[]) => ({ command: process.execPath, args: ['--import', 'tsx', script, ...args] });

export class Cluster {
  /** Only with `privatePostgresPort`. */
  readonly postgres: ManagedProcess | undefined;
  /** Only with `temporalPostgresPort`: the Postgres holding Temporal's databases. */
  readonly temporalPostgres: ManagedProcess | undefined;
  readonly temporal: ManagedProcess;
  readonly apis: ManagedProcess[];
  readonly workers: ManagedProcess[];
  readonly emulators: ManagedProcess[];
  /** Every process, in start order. */
  readonly members: ManagedProcess[];

  constructor(
    readonly runDir: string,
    private readonly saved: SavedCluster,
  ) {
    this.members = saved.specs.map((s) => new ManagedProcess(s, runDir));
    const named = (prefix: string) => this.members.filter((m) => m.name.startsWith(prefix));
    this.postgres = this.members.find((m) => m.name === 'postgres');
    this.temporalPostgres = this.members.find((m) => m.name === TEMPORAL_POSTGRES);
    this.temporal = this.member('temporal');
    this.apis = named('api-');
    this.workers = named('worker-');
    this.emulators = named('emulator-');
  }

  member(name: string): ManagedProcess {
    const m = this.members.find((p) => p.name === name);
    if (!m) throw new Error(`no process ${name} in the cluster at ${this.runDir} (have: ${this.members.map((p) => p.name).join(', ')})`);
    return m;
  }

  /** Base URL of API process i (0-based). */
  apiUrl(i = 0): string {
    return this.saved.apiUrls[i];
  }

  /** Base URL of a cloud's emulator (its control API is at <url>/_emulator). */
  emulatorUrl(cloud: string): string {
    return `http://127.0.0.1:${this.member(`emulator-${cloud}`).spec.ports[0]}`;
  }

  get temporalAddress(): string {
    return temporalAddress(this.saved.temporal);
  }

  get namespace(): string {
    return this.saved.temporal.namespace;
  }

  get taskQueue(): string {
    return this.saved.taskQueue;
  }

  /** The environment every API and worker runs with (database, Temporal, emulator endpoints, secret key). */
  get appEnv(): Record<string, string> {
    return { ...this.saved.appEnv };
  }

  /**
   * Starts every process that is not running, in dependency order, each ready before the next
   * group: the private Postgres servers, emulators, Temporal (then its namespace), the first API (it
   * applies the migrations alone), then the other APIs and the workers together.
   */
  async start(): Promise<void> {
    await Promise.all([this.postgres, this.temporalPostgres].map((p) => p?.start()));
    await Promise.all(this.emulators.map((e) => e.start()));
    await this.temporal.start();
    await ensureNamespace(this.saved.temporal);
    const [first, ...rest] = [...this.apis, ...this.workers];
    await first?.start();
    await Promise.all(rest.map((m) => m.start()));
  }

  /** Stops every process (SIGTERM, then SIGKILL after the grace), the platform before its dependencies. */
  async stop(): Promise<void> {
    await Promise.all([...this.apis, ...this.workers].map((m) => m.stop()));
    await this.temporal.stop();
    await Promise.all(this.emulators.map((e) => e.stop()));
    await Promise.all([this.postgres, this.temporalPostgres].map((p) => p?.stop()));
  }

  status(): Array<{ name: string; pid: number | undefined; logFile: string }> {
    return this.members.map((m) => ({ name: m.name, pid: m.pid, logFile: m.logFile }));
  }
}

function postgresServerOf(databaseUrl: string): PostgresServer {
  const u = new URL(databaseUrl);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

/** `export K='V'` lines the emulator command prints: the adapter's endpoint and keys. */
function emulatorEnv(log: string): Record<string, string> {
  return Object.fromEntries([...log.matchAll(/^export ([A-Z0-9_]+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
}

type Env = Record<string, string>;

/**
 * initdb (once) and start a private Postgres named `name` (data in <runDir>/<name>); returns its
 * spec and the URL of `database` on it (created if missing).
 */
async function startPrivatePostgres(
  runDir: string,
  name: string,
  port: number,
  database: string,
  env: Env,
  started: ManagedProcess[],
): Promise<{ spec: ProcessSpec; databaseUrl: string }> {
  // The postgres user must reach its data directory: others may traverse the run directory, not
  // list it (its files are the owner's alone).
  fs.chmodSync(runDir, 0o711);
  const dataDir = path.join(runDir, name);
  await initPrivatePostgres(dataDir);
  const spec = privatePostgresProcess(name, dataDir, port, env);
  const postgres = new ManagedProcess(spec, runDir);
  started.push(postgres);
  await postgres.start();
  await ensurePrivateDatabase(port, database);
  return { spec, databaseUrl: privatePostgresUrl(port, database) };
}

const emulatorSpec = (cloud: string, port: number, env: Env): ProcessSpec => ({
  name: `emulator-${cloud}`,
  // A fresh key per cluster: the emulator is only on loopback, but keys still are keys.
  ...nodeApp('scripts/emulator.ts', cloud, '--port', String(port), '--access-key-id', `cluster-${cloud}`, '--access-key-secret', randomBytes(24).toString('base64url')),
  env,
  cwd: REPO_ROOT,
  ready: { kind: 'tcp', host: '127.0.0.1', port },
  ports: [port],
  readyTimeoutMs: 90_000,
});

const apiSpec = (i: number, port: number, env: Env): ProcessSpec => ({
  name: `api-${i}`,
  ...nodeApp('api/server.ts'),
  env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
  cwd: REPO_ROOT,
  ready: { kind: 'http', url: `http://127.0.0.1:${port}/healthz` },
  ports: [port],
  readyTimeoutMs: 120_000,
});

const workerSpec = (i: number, env: Env, t: TemporalServerOptions, taskQueue: string): ProcessSpec => ({
  name: `worker-${i}`,
  ...nodeApp('worker.ts'),
  env,
  cwd: REPO_ROOT,
  ready: { kind: 'worker', address: temporalAddress(t), namespace: t.namespace, taskQueue },
  ports: [],
  readyTimeoutMs: 120_000,
});

/**
 * Sets up Temporal's databases, saves the cluster's definition and starts every process. The
 * private Postgres and the emulators start first: the database URL and the emulators' endpoints
 * go into the APIs' and workers' environment. If anything fails, whatever started is stopped.
 */
export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const runDir = path.resolve(o.runDir);
  if (fs.existsSync(path.join(runDir, STATE_FILE))) {
    const running = openCluster(runDir).members.filter((m) => m.isRunning());
    if (running.length) throw new Error(`a cluster is running at ${runDir} (${running.map((m) => m.name).join(', ')}): stop it first`);
  }
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const started: ManagedProcess[] = [];
  try {
    if (o.temporalPostgresPort && !o.privatePostgresPort) throw new Error('temporalPostgresPort needs privatePostgresPort');
    const postgres = o.privatePostgresPort ? await startPrivatePostgres(runDir, 'postgres', o.privatePostgresPort, 'vibebox', baseEnv, started) : undefined;
    const databaseUrl = postgres?.databaseUrl ?? o.databaseUrl;
    if (!databaseUrl) throw new Error('startCluster needs databaseUrl or privatePostgresPort');
    const temporalPostgres = o.temporalPostgresPort
      ? await startPrivatePostgres(runDir, TEMPORAL_POSTGRES, o.temporalPostgresPort, 'postgres', baseEnv, started)
      : undefined;

    const emulatorSpecs = (o.emulators ?? []).map((cloud, i) => emulatorSpec(cloud, (o.emulatorPort ?? 9101) + i, baseEnv));
    const emulators = emulatorSpecs.map((s) => new ManagedProcess(s, runDir));
    started.push(...emulators);
    await Promise.all(emulators.map((e) => e.start()));
    const cloudEnv = Object.assign({}, ...emulators.map((e) => emulatorEnv(fs.readFileSync(e.logFile, 'utf8'))));

    const temporal: TemporalServerOptions = {
      binDir: o.temporalBinDir,
      postgres: postgresServerOf(temporalPostgres?.databaseUrl ?? databaseUrl),
      databases: o.temporalDatabases ?? { main: 'temporal_cluster', visibility: 'temporal_cluster_visibility' },
      port: o.temporalPort ?? 7243,
      namespace: o.namespace ?? 'vibebox',
      historyShards: 4,
    };
    const taskQueue = o.taskQueue ?? 'vibebox';
    const appEnv: Env = {
      LOG_LEVEL: 'info',
      VIBEBOX_SECRET_KEY: randomBytes(32).toString('base64'),
      ...cloudEnv,
      ...o.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress(temporal),
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
    };
    const apiPorts = Array.from({ length: o.apis ?? 2 }, (_, i) => (o.apiPort ?? 3101) + i);
    const saved: SavedCluster = {
      temporal,
      taskQueue,
      apiUrls: apiPorts.map((port) => `http://127.0.0.1:${port}`),
      appEnv,
      specs: [
        ...(postgres ? [postgres.spec] : []),
        ...(temporalPostgres ? [temporalPostgres.spec] : []),
        ...emulatorSpecs,
        temporalServerProcess(temporal, runDir, baseEnv),
        ...apiPorts.map((port, i) => apiSpec(i + 1, port, { ...baseEnv, ...appEnv })),
        ...Array.from({ length: o.workers ?? 2 }, (_, i) => workerSpec(i + 1, { ...baseEnv, ...appEnv }, temporal, taskQueue)),
      ],
    };
    await prepareTemporalDatabases(temporal, { fresh: o.freshTemporalDatabases });
    // The specs carry the environment (the secret key among it): readable by the owner only.
    fs.writeFileSync(path.join(runDir, STATE_FILE), JSON.stringify(saved, null, 2), { mode: 0o600 });
    const cluster = new Cluster(runDir, saved);
    started.splice(0, started.length, ...cluster.members);
    await cluster.start();
    return cluster;
  } catch (err) {
    // Platform before its dependencies, as Cluster.stop() does.
    for (const m of started.reverse()) await m.stop().catch(() => undefined);
    throw err;
  }
}

/** The handle of a cluster started earlier (by this or another process) from its run directory. */
export function openCluster(runDir: string): Cluster {
  const file = path.join(path.resolve(runDir), STATE_FILE);
  if (!fs.existsSync(file)) throw new Error(`no cluster at ${runDir} (${STATE_FILE} missing): start one first`);
  return new Cluster(path.resolve(runDir), JSON.parse(fs.readFileSync(file, 'utf8')) as SavedCluster);
}
