/**
 * One OS process of the cluster runner, identified by name inside a run directory: started
 * detached in a process group of its own (so it outlives the command that started it, and a
 * signal reaches everything it spawned), stdout and stderr appended to <runDir>/<name>.log, its
 * pid in <runDir>/<name>.pid. Any later process can find it again from those files — which is
 * what lets `scripts/cluster.sh kill worker-1` act on a cluster another command started.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { probeReady, ReadinessProbe, tcpOpen } from './readiness';

export interface ProcessSpec {
  /** Unique in the cluster, used for the pid and log file names: e.g. `worker-1`. */
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  ready: ReadinessProbe;
  /**
   * Ports the process will listen on. start() refuses when one already answers: a stray server
   * there (say, from a run directory deleted while its processes ran on) would pass the readiness
   * probe in this one's place.
   */
  ports: number[];
  /** What stop() sends first (default SIGTERM); SIGKILL follows after the grace period. */
  stopSignal?: NodeJS.Signals;
  /**
   * Spawns tried before start() gives up on a process that exits before it is ready (default 1):
   * for a server that refuses to start while its previous run's processes are still exiting.
   */
  startAttempts?: number;
  /** How long start() waits for the probe (cold starts on a busy 2-core machine are slow). */
  readyTimeoutMs: number;
}

/**
 * Marks every process the runner starts: a pid is only ever signalled after its environment
 * shows this marker with this run directory and name, so a stale pid file whose pid the kernel
 * has since given to an unrelated process is never acted on.
 */
const MEMBER_MARK = 'VIBEBOX_CLUSTER_MEMBER';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process died before its readiness probe passed (start() may spawn it again). */
class ExitedEarly extends Error {}

export class ManagedProcess {
  readonly pidFile: string;
  readonly logFile: string;

  constructor(
    readonly spec: ProcessSpec,
    readonly runDir: string,
  ) {
    this.pidFile = path.join(runDir, `${spec.name}.pid`);
    this.logFile = path.join(runDir, `${spec.name}.log`);
  }

  get name(): string {
    return this.spec.name;
  }

  /** This process's value of MEMBER_MARK. */
  private get mark(): string {
    return `${this.runDir}#${this.spec.name}`;
  }

  /** The pid of the running process, or undefined if it is not running. */
  get pid(): number | undefined {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(this.pidFile, 'utf8').trim());
    } catch {
      return undefined;
    }
    return Number.isInteger(pid) && pid > 0 && this.isOurs(pid) ? pid : undefined;
  }

  isRunning(): boolean {
    return this.pid !== undefined;
  }

  private isOurs(pid: number): boolean {
    try {
      return processAlive(pid) && fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${MEMBER_MARK}=${this.mark}`);
    } catch {
      return false;
    }
  }

  /** Starts the process (unless it runs already) and waits until its readiness probe passes. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (!this.isRunning()) {
        for (const port of this.spec.ports) {
          if ((await tcpOpen('127.0.0.1', port)) === true) throw new Error(`${this.name}: port ${port} is already in use by another process`);
        }
        this.spawn();
      }
      try {
        return await this.waitReady();
      } catch (err) {
        if (!(err instanceof ExitedEarly) || attempt >= (this.spec.startAttempts ?? 1)) throw err;
        await sleep(1_000);
      }
    }
  }

  private spawn(): void {
    // Owner-only: logs can carry endpoints and keys (the emulators print theirs).
    const log = fs.openSync(this.logFile, 'a', 0o600);
    try {
      fs.writeSync(log, `\n=== ${new Date().toISOString()} start ${this.spec.command} ${this.spec.args.join(' ')}\n`);
      const child = spawn(this.spec.command, this.spec.args, {
        cwd: this.spec.cwd,
        env: { ...this.spec.env, [MEMBER_MARK]: this.mark },
        stdio: ['ignore', log, log],
        detached: true, // its own session and process group: pgid = pid
      });
      // Not waited on: the process belongs to the run directory, not to this Node process.
      child.unref();
      if (!child.pid) throw new Error(`${this.name}: spawn ${this.spec.command} failed`);
      fs.writeFileSync(this.pidFile, `${child.pid}\n`);
    } finally {
      fs.closeSync(log);
    }
  }

  /** Polls the readiness probe until it passes; fails early (with the log's tail) if the process died. */
  async waitReady(timeoutMs = this.spec.readyTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'not probed';
    for (;;) {
      const pid = this.pid;
      if (pid === undefined) throw new ExitedEarly(`${this.name} exited before it was ready; log ${this.logFile}:\n${this.logTail()}`);
      const result = await probeReady(this.spec.ready, pid);
      if (result === true) return;
      last = result;
      if (Date.now() > deadline) throw new Error(`${this.name} (pid ${pid}) not ready after ${timeoutMs} ms (${last}); log ${this.logFile}:\n${this.logTail()}`);
      await sleep(500);
    }
  }

  /** The stop signal (SIGTERM unless the spec says otherwise) to the process group, SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    this.signal(pid, this.spec.stopSignal ?? 'SIGTERM');
    if (!(await this.exited(pid, graceMs))) {
      this.signal(pid, 'SIGKILL');
      await this.exited(pid, 10_000);
    }
    this.forget(pid);
  }

  /** SIGKILL to the process group: no shutdown code runs, as when a machine dies. */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    this.signal(pid, 'SIGKILL');
    if (!(await this.exited(pid, 10_000))) throw new Error(`${this.name} (pid ${pid}) survived SIGKILL`);
    this.forget(pid);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  logTail(lines = 30): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private signal(pid: number, sig: NodeJS.Signals): void {
    try {
      process.kill(-pid, sig); // the whole group: anything the process spawned goes too
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** True once no live process of the group is left (zombies awaiting their parent do not count). */
  private async exited(pid: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.isOurs(pid) && !groupAlive(pid)) return true;
      await sleep(100);
    }
    return false;
  }

  private forget(pid: number): void {
    try {
      if (fs.readFileSync(this.pidFile, 'utf8').trim() === String(pid)) fs.unlinkSync(this.pidFile);
    } catch {
      /* already gone */
    }
  }
}

/** Whether `pid` is a live process: it exists and is not a zombie (exited, awaiting its parent's wait). */
export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Whether a live (not zombie) process is still in process group `pgid`: /proc, field 5 of stat. */
function groupAlive(pgid: number): boolean {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}
