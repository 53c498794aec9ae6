/**
 * EmulatedCloud: the cloud-neutral heart of every cloud emulator. It keeps the instances and
 * answers the operations a cloud API offers (create, get, list, start, stop, reboot, delete),
 * checking each against the catalog, client tokens, quotas and stock, and hands the timed part
 * to the state machine. It also carries the throttle and fault injector a cloud layer consults
 * per call, and the knobs the control API turns.
 *
 * It knows no wire format: states, errors and fields are neutral; the cloud layer maps them to
 * its own status strings, error codes and envelopes.
 */
import { EventEmitter } from 'node:events';
import { createLogger, Logger } from '../../lib/logger';
import { InstanceBacking, NoBacking } from './backing';
import { CloudCatalog, resolveOffer } from './catalog';
import { ClientTokens } from './clientTokens';
import { EmulatorError } from './errors';
import { FaultDecision, FaultInjector } from './faults';
import { PrivateAddresses, neutralInstanceId, uniqueId } from './ids';
import { Knobs } from './knobs';
import { CreateRequest, CreateResult, Delays, EmulatedInstance, InstanceState, ListFilter, Transition, snapshot } from './model';
import { Quotas } from './quotas';
import { EmulatorState, PersistedInstance, StateFile } from './stateFile';
import { InstanceRecord, InstanceStateMachine, newRecord } from './stateMachine';
import { Stock } from './stock';
import { Throttle } from './throttle';

export interface EmulatedCloudOptions {
  /** 'aliyun' | 'tencent' | 'chinamobile': used in logs and by the Docker backing. */
  cloud: string;
  catalog: CloudCatalog;
  delays?: Partial<Delays>;
  /** Stock of every region/zone/type not set with setStock. */
  defaultStock?: number;
  /** Live (not deleted) instances allowed per access key and region. */
  quotaPerRegion?: number;
  backing?: InstanceBacking;
  /** Cloud-shaped ids: Aliyun `i-…`, Tencent `ins-…`, ECloud a UUID. */
  newInstanceId?: () => string;
  defaultDiskGiB?: number;
  logger?: Logger;
}

/** At most this many instances per create call, as clouds cap a batch. */
const MAX_AMOUNT = 100;
const DEFAULT_DISK_GIB = 40;

export class EmulatedCloud {
  readonly cloud: string;
  readonly catalog: CloudCatalog;
  readonly faults = new FaultInjector();
  readonly throttle = new Throttle();
  readonly backing: InstanceBacking;
  private readonly events = new EventEmitter();
  private readonly log: Logger;
  private readonly records = new Map<string, InstanceRecord>();
  private readonly tokens = new ClientTokens();
  private readonly stock: Stock;
  private readonly quotas: Quotas;
  private readonly knobs: Knobs;
  private readonly privateAddresses = new PrivateAddresses();
  private readonly machine: InstanceStateMachine;
  /** The cloud layer's own per-instance notes, saved with the state (see sideTable). */
  private readonly tables = new Map<string, Map<string, unknown>>();
  /** Where the state is kept across restarts; undefined: in memory only (tests). */
  private store?: StateFile;

  constructor(private readonly opts: EmulatedCloudOptions) {
    this.cloud = opts.cloud;
    this.catalog = opts.catalog;
    this.backing = opts.backing ?? new NoBacking();
    this.stock = new Stock(opts.defaultStock);
    this.quotas = new Quotas(opts.quotaPerRegion);
    this.knobs = new Knobs(opts.delays);
    this.log = opts.logger ?? createLogger('emulator', { cloud: opts.cloud });
    this.events.setMaxListeners(0);
    this.machine = new InstanceStateMachine({
      knobs: this.knobs,
      backing: this.backing,
      log: this.log,
      changed: (inst) => {
        this.persist();
        this.events.emit('change', inst);
      },
      gone: (rec) => {
        this.records.delete(rec.inst.id);
        for (const table of this.tables.values()) table.delete(rec.inst.id);
        this.stock.giveBack(rec.inst.region, rec.inst.zone, rec.inst.instanceType);
      },
    });
  }

  // ---- per-call gate -------------------------------------------------------------------------

  /**
   * What the cloud layer asks before serving an action: throttling first (as a cloud's gateway
   * would), then injected faults. 'none' means: go on and call the operation.
   */
  admit(action: string, accessKey = ''): FaultDecision {
    const verdict = this.throttle.consume(accessKey);
    if (verdict.throttled) return { kind: 'throttle', retryAfterSeconds: verdict.retryAfterSeconds, faultId: 'throttle' };
    return this.faults.beforeCall(action);
  }

  // ---- operations ----------------------------------------------------------------------------

  create(req: CreateRequest): CreateResult {
    const owner = req.owner ?? '';
    const amount = req.amount ?? 1;
    // Same token, same request: the create already happened (a different request is refused).
    const known = this.tokens.recall(req);
    if (known) return { instanceIds: known, instances: this.snapshots(known), reused: true };

    if (!Number.isInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
      throw new EmulatorError('InvalidParameter', `amount must be an integer from 1 to ${MAX_AMOUNT}`);
    }
    const { region, type } = resolveOffer(this.catalog, req);
    const quota = this.quotas.of(req.region);
    const live = this.list({ owner, region: req.region }).length;
    if (live + amount > quota) {
      throw new EmulatorError('QuotaExceeded', `instance quota of ${quota} in ${req.region} would be exceeded (${live} live, ${amount} asked)`);
    }
    const zone = req.zone ?? region.zones.find((z) => this.stock.of(req.region, z, type.instanceType) >= amount);
    const left = zone ? this.stock.of(req.region, zone, type.instanceType) : 0;
    if (!zone || left < amount) {
      throw new EmulatorError('NoStock', `no stock of ${type.instanceType} in ${req.zone ?? req.region} (${left} left, ${amount} asked)`);
    }
    this.stock.take(req.region, zone, type.instanceType, amount);

    const ids: string[] = [];
    for (let i = 0; i < amount; i++) {
      const inst: EmulatedInstance = {
        id: uniqueId(this.opts.newInstanceId ?? neutralInstanceId, (id) => this.records.has(id)),
        name: req.name,
        clientToken: req.clientToken,
        owner,
        region: req.region,
        zone,
        instanceType: type.instanceType,
        cpu: type.cpu,
        memoryGiB: type.memoryGiB,
        diskGiB: req.diskGiB ?? this.opts.defaultDiskGiB ?? DEFAULT_DISK_GIB,
        imageId: req.imageId,
        state: 'pending',
        tags: { ...req.tags },
        createdAt: new Date(),
        privateIp: this.privateAddresses.next(),
        sshPort: 22,
        backing: { kind: this.backing.kind },
      };
      const rec = newRecord(inst, req.password);
      this.records.set(inst.id, rec);
      ids.push(inst.id);
      this.machine.create(rec);
    }
    this.tokens.remember(req, ids);
    this.persist();
    this.log.debug('instances created', { ids, region: req.region, zone, instanceType: type.instanceType });
    return { instanceIds: ids, instances: this.snapshots(ids), reused: false };
  }

  /** Throws NotFound when the instance does not exist or is gone. */
  get(id: string): EmulatedInstance {
    return snapshot(this.record(id).inst);
  }

  find(id: string): EmulatedInstance | undefined {
    const rec = this.records.get(id);
    return rec && snapshot(rec.inst);
  }

  list(filter: ListFilter = {}): EmulatedInstance[] {
    const ids = filter.ids && new Set(filter.ids);
    const states = filter.states && new Set(filter.states);
    return [...this.records.values()]
      .map((r) => r.inst)
      .filter((i) => !ids || ids.has(i.id))
      .filter((i) => !states || states.has(i.state))
      .filter((i) => filter.region === undefined || i.region === filter.region)
      .filter((i) => filter.owner === undefined || i.owner === filter.owner)
      .filter((i) => !filter.tags || Object.entries(filter.tags).every(([k, v]) => i.tags[k] === v))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
      .map(snapshot);
  }

  start(id: string): void {
    this.machine.start(this.record(id));
  }

  /** Stopping an already stopped instance is IncorrectState: the cloud layer decides if its cloud tolerates it. */
  stop(id: string, opts: { force?: boolean } = {}): void {
    this.machine.stop(this.record(id), !!opts.force);
  }

  reboot(id: string, opts: { force?: boolean } = {}): void {
    this.machine.reboot(this.record(id), !!opts.force);
  }

  /**
   * Without force only a stopped (or failed) instance; with force also a running one or one in
   * any transition (that transition is abandoned). Deleting one already 'deleting' is a no-op.
   */
  delete(id: string, opts: { force?: boolean } = {}): void {
    this.machine.delete(this.record(id), !!opts.force);
  }

  /** The login password, for the backing and for tests only — never part of a listing. */
  passwordOf(id: string): string {
    return this.record(id).password;
  }

  /** Resolves once the instance reaches `state` ('deleted': once it is gone); rejects on timeout. */
  waitForState(id: string, state: InstanceState, timeoutMs = 10_000): Promise<EmulatedInstance | undefined> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const rec = this.records.get(id);
        if (state === 'deleted' ? !rec : rec?.inst.state === state) {
          cleanup();
          resolve(rec && snapshot(rec.inst));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`instance ${id} did not reach ${state} in ${timeoutMs} ms (now ${this.records.get(id)?.inst.state ?? 'gone'})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off('change', check);
      };
      this.events.on('change', check);
      check();
    });
  }

  /** Subscribe to state changes (local-mode dashboards, benchmarks). Returns an unsubscribe. */
  onChange(listener: (inst: EmulatedInstance) => void): () => void {
    const wrapped = (inst?: EmulatedInstance) => inst && listener(inst);
    this.events.on('change', wrapped);
    return () => this.events.off('change', wrapped);
  }

  // ---- knobs (also reachable through the control API) ----------------------------------------

  setStock(region: string, zone: string, instanceType: string, count: number): void {
    this.stock.set(region, zone, instanceType, count);
    this.persist();
  }

  stockOf(region: string, zone: string, instanceType: string): number {
    return this.stock.of(region, zone, instanceType);
  }

  /** Per access key, in `region` (or in every region without one of its own when region is absent). */
  setQuota(maxInstances: number, region?: string): void {
    this.quotas.set(maxInstances, region);
    this.persist();
  }

  quotaOf(region: string): number {
    return this.quotas.of(region);
  }

  /** Applies to transitions that begin afterwards. */
  setDelays(patch: Partial<Delays>): Delays {
    return this.knobs.setDelays(patch);
  }

  getDelays(): Delays {
    return this.knobs.getDelays();
  }

  /**
   * Freezes a transition (e.g. 'stop' never completes) for every instance, or one instance.
   * Clearing lets frozen transitions complete at once if their delay has passed.
   */
  setStuck(transition: Transition, on: boolean, instanceId?: string): void {
    this.knobs.setStuck(transition, on, instanceId);
    if (!on) for (const rec of [...this.records.values()]) this.machine.tryFinish(rec);
  }

  /** The next `count` launches end in 'error' instead of 'running' (Tencent LAUNCH_FAILED). */
  failNextLaunches(count: number): void {
    this.knobs.failNextLaunches(count);
  }

  /** Back to a fresh emulator: no instances (backings removed), default knobs, no faults. */
  async reset(): Promise<void> {
    const recs = [...this.records.values()];
    this.dispose();
    this.records.clear();
    this.tokens.clear();
    this.stock.clear();
    this.quotas.clear();
    this.knobs.reset();
    this.faults.clear();
    this.throttle.reset();
    for (const table of this.tables.values()) table.clear();
    this.persist();
    await Promise.all(recs.map((r) => r.backingChain.catch(() => undefined).then(() => this.backing.delete(r.inst)).catch(() => undefined)));
    await this.backing.purge?.().catch((err: unknown) => this.log.warn('purging backings failed', { error: String(err) }));
  }

  /** Stops all timers (instances freeze where they are); call when the emulator shuts down. */
  dispose(): void {
    for (const rec of this.records.values()) this.machine.freeze(rec);
  }

  // ---- persistence ---------------------------------------------------------------------------

  /**
   * A per-instance table the cloud layer keeps beside the core's records (Tencent's notes,
   * Aliyun's extras); saved and restored with the state. Values must be plain JSON.
   */
  sideTable<T>(name: string): Map<string, T> {
    let table = this.tables.get(name);
    if (!table) this.tables.set(name, (table = new Map()));
    return table as Map<string, T>;
  }

  /**
   * Keeps the state in `file` from now on, after taking up what it holds: instances (with their
   * passwords), client tokens, stock and quota counters, side tables. Machines an earlier process
   * made are adopted (a running instance whose container stopped is started again, a stopped one
   * whose container runs is stopped, one whose container vanished goes to 'error'), transitions
   * under way resume with what is left of their delay, and machines no instance owns are removed.
   */
  async restoreFrom(file: StateFile): Promise<void> {
    const saved = file.load(this.cloud);
    if (saved) this.load(saved);
    this.store = file;
    const stable: InstanceRecord[] = [];
    for (const rec of this.records.values()) {
      const op = saved?.instances.find((i) => i.inst.id === rec.inst.id)?.op;
      if (op) this.machine.resume(rec, op);
      else stable.push(rec);
    }
    await Promise.all(stable.map((rec) => this.reconcile(rec)));
    const swept = await this.backing.sweep?.(new Set(this.records.keys()));
    if (swept) this.log.info('removed machines no emulated instance owns', { count: swept });
    this.persist();
    this.log.info('emulator state restored', { file: file.path, instances: this.records.size });
  }

  /**
   * Shutting down over a state file: in-flight backing work finishes (bounded), timers stop, the
   * state is saved, and machines of instances that no longer exist are removed. Instances and
   * their machines stay as they are, for the next process to adopt. Without a state file: reset.
   */
  async shutdown(settleMs = 60_000): Promise<void> {
    if (!this.store) {
      await this.reset();
      this.dispose();
      return;
    }
    const chains = Promise.all([...this.records.values()].map((r) => r.backingChain.catch(() => undefined)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([chains, new Promise((r) => (timer = setTimeout(r, settleMs)))]);
    clearTimeout(timer);
    // Saved with the transitions still under way (freezing forgets them), then detached: the next process resumes them.
    this.persist();
    this.store = undefined;
    this.dispose();
    await this.backing.sweep?.(new Set(this.records.keys())).catch((err: unknown) => this.log.warn('sweeping backings failed', { error: String(err) }));
  }

  /** Saves the state now, when there is a state file (every change calls it; so does each answer). */
  persist(): void {
    this.store?.save(this.saveState());
  }

  private saveState(): EmulatorState {
    return {
      version: 1,
      cloud: this.cloud,
      savedAt: new Date().toISOString(),
      instances: [...this.records.values()].map((rec) => ({
        inst: { ...snapshot(rec.inst), createdAt: rec.inst.createdAt.toISOString() },
        password: rec.password,
        op: rec.op && { transition: rec.op.transition, target: rec.op.target, forced: rec.op.forced, startedAt: rec.op.startedAt, delayMs: rec.op.delayMs },
      })),
      clientTokens: this.tokens.saved(),
      stock: this.stock.saved(),
      quotas: this.quotas.saved(),
      privateAddresses: this.privateAddresses.issued,
      tables: Object.fromEntries([...this.tables].map(([name, table]) => [name, [...table]])),
    };
  }

  private load(saved: EmulatorState): void {
    for (const p of saved.instances) {
      const inst = { ...(p.inst as PersistedInstance['inst'] & EmulatedInstance), createdAt: new Date(p.inst.createdAt) };
      this.records.set(inst.id, newRecord(inst, p.password));
    }
    this.tokens.restore(saved.clientTokens);
    this.stock.restore(saved.stock);
    this.quotas.restore(saved.quotas);
    this.privateAddresses.resumeAt(saved.privateAddresses);
    for (const [name, rows] of Object.entries(saved.tables)) {
      const table = this.sideTable(name);
      table.clear();
      for (const [id, value] of rows) table.set(id, value);
    }
  }

  /** A settled instance after a restart: its machine brought in line with its record, or the record with a vanished machine. */
  private async reconcile(rec: InstanceRecord): Promise<void> {
    const { inst } = rec;
    if (!this.backing.adopt || (inst.state !== 'running' && inst.state !== 'stopped')) return;
    try {
      const found = await this.backing.adopt(snapshot(inst));
      if (!found) throw new Error('the machine behind the instance is gone');
      inst.publicIp = found.publicIp;
      inst.sshPort = found.sshPort;
      inst.backing = { kind: this.backing.kind, id: found.backingId };
      if (inst.state === 'running' && !found.running) await this.backing.start(snapshot(inst));
      if (inst.state === 'stopped' && found.running) await this.backing.stop(snapshot(inst), false);
    } catch (err) {
      inst.state = 'error';
      inst.lastError = `after a restart: ${err instanceof Error ? err.message : String(err)}`;
      this.log.warn('emulated instance lost its machine', { id: inst.id, reason: inst.lastError });
    }
  }

  private record(id: string): InstanceRecord {
    const rec = this.records.get(id);
    if (!rec) throw new EmulatorError('NotFound', `instance ${id} does not exist`, { instanceId: id });
    return rec;
  }

  private snapshots(ids: string[]): EmulatedInstance[] {
    return ids.flatMap((id) => {
      const rec = this.records.get(id);
      return rec ? [snapshot(rec.inst)] : [];
    });
  }
}
