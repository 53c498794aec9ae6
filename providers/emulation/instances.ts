/**
 * EmulatedCloud: the cloud-neutral heart of every cloud emulator — instances, their state
 * machine, stock, quotas, plus the throttle and fault injector a cloud layer consults per call.
 * It knows no wire format: states, errors and fields are neutral; the cloud layer maps them to
 * its own status strings, error codes and envelopes.
 *
 * Operations are synchronous (they validate and start a transition, as a cloud API returns
 * before the work is done); transitions then complete on timers, and only once the backing
 * (Docker container, or nothing) has done its part too.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createLogger, Logger } from '../../lib/logger';
import { InstanceBacking, NoBacking } from './backing';
import { EmulatorError } from './errors';
import { FaultDecision, FaultInjector } from './faults';
import { Throttle } from './throttle';

export const INSTANCE_STATES = [
  'pending',
  'running',
  'stopping',
  'stopped',
  'starting',
  'rebooting',
  'deleting',
  'deleted',
  'error',
] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

/** The timed transitions; each can be slowed (delays) or frozen (stuck). */
export const TRANSITIONS = ['create', 'start', 'stop', 'reboot', 'delete'] as const;
export type Transition = (typeof TRANSITIONS)[number];
export type Delays = Record<Transition, number>;

export const DEFAULT_DELAYS: Delays = { create: 800, start: 500, stop: 500, reboot: 600, delete: 300 };

export interface InstanceTypeSpec {
  instanceType: string;
  cpu: number;
  memoryGiB: number;
  family?: string;
  /** Hourly price in the cloud's currency, for the cloud's price/offer APIs. */
  price: number;
}

export interface RegionSpec {
  regionId: string;
  /** Display name (e.g. LocalName on Aliyun, RegionName on Tencent). */
  name?: string;
  zones: string[];
}

export interface CloudCatalog {
  regions: RegionSpec[];
  instanceTypes: InstanceTypeSpec[];
}

/** What every listing returns. The password is never part of it (see passwordOf). */
export interface EmulatedInstance {
  id: string;
  name?: string;
  clientToken?: string;
  /** Access key that created it: tokens and quotas are scoped to it. '' when the cloud does not say. */
  owner: string;
  region: string;
  zone: string;
  instanceType: string;
  cpu: number;
  memoryGiB: number;
  diskGiB: number;
  imageId: string;
  state: InstanceState;
  tags: Record<string, string>;
  createdAt: Date;
  /** Known once the backing has made the machine (i.e. not while early 'pending'). */
  publicIp?: string;
  privateIp: string;
  sshPort: number;
  backing: { kind: 'none' | 'docker'; id?: string };
  /** The transition under way, when the state is transitional. */
  transition?: Transition;
  /** Why the instance is in 'error'. */
  lastError?: string;
}

export interface CreateRequest {
  owner?: string;
  region: string;
  /** Absent: the first zone of the region with stock for the type. */
  zone?: string;
  instanceType: string;
  imageId: string;
  diskGiB?: number;
  /** How many instances (Aliyun Amount, Tencent InstanceCount); default 1. */
  amount?: number;
  clientToken?: string;
  /** Login password; the cloud layer generates one when its API allows none. */
  password: string;
  name?: string;
  tags?: Record<string, string>;
}

export interface CreateResult {
  instanceIds: string[];
  /** Snapshots of those still existing (a reused token may point at deleted ones). */
  instances: EmulatedInstance[];
  /** True when the client token had been seen: nothing new was made. */
  reused: boolean;
}

export interface ListFilter {
  ids?: string[];
  /** All given tags must match. */
  tags?: Record<string, string>;
  states?: InstanceState[];
  region?: string;
  owner?: string;
}

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

interface InstanceRecord {
  inst: EmulatedInstance;
  password: string;
  /** Bumped by every new transition: a completion from an older one is ignored. */
  seq: number;
  op?: { transition: Transition; target: InstanceState; delayDone: boolean; backingDone: boolean; timer: NodeJS.Timeout; forced: boolean };
  /** Backing calls for one instance run one after another (a forced delete waits for the create). */
  backingChain: Promise<unknown>;
}

interface TokenEntry {
  instanceIds: string[];
  fingerprint: string;
}

const TRANSITIONAL: InstanceState[] = ['pending', 'stopping', 'starting', 'rebooting', 'deleting'];
const MAX_AMOUNT = 100;

export class EmulatedCloud {
  readonly cloud: string;
  readonly catalog: CloudCatalog;
  readonly faults = new FaultInjector();
  readonly throttle = new Throttle();
  readonly backing: InstanceBacking;
  private readonly events = new EventEmitter();
  private readonly log: Logger;
  private records = new Map<string, InstanceRecord>();
  private tokens = new Map<string, TokenEntry>();
  private stock = new Map<string, number>();
  private quotas = new Map<string, number>();
  private stuck = new Set<string>();
  private delays: Delays;
  private launchFailures = 0;
  private ipCounter = 0;

  constructor(private readonly opts: EmulatedCloudOptions) {
    this.cloud = opts.cloud;
    this.catalog = opts.catalog;
    this.backing = opts.backing ?? new NoBacking();
    this.delays = { ...DEFAULT_DELAYS, ...opts.delays };
    this.log = opts.logger ?? createLogger('emulator', { cloud: opts.cloud });
    this.events.setMaxListeners(0);
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
    const fingerprint = JSON.stringify([req.region, req.zone ?? '', req.instanceType, req.imageId, amount]);
    const tokenKey = req.clientToken ? `${owner}\u0000${req.region}\u0000${req.clientToken}` : undefined;
    const known = tokenKey ? this.tokens.get(tokenKey) : undefined;
    if (known) {
      // Same token, same request: the create already happened; different request: clouds refuse.
      if (known.fingerprint !== fingerprint) {
        throw new EmulatorError('InvalidParameter', 'the client token was already used with different parameters', {
          reason: 'IdempotentParameterMismatch',
        });
      }
      return { instanceIds: [...known.instanceIds], instances: this.snapshots(known.instanceIds), reused: true };
    }

    if (!Number.isInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
      throw new EmulatorError('InvalidParameter', `amount must be an integer from 1 to ${MAX_AMOUNT}`);
    }
    const region = this.catalog.regions.find((r) => r.regionId === req.region);
    if (!region) throw new EmulatorError('InvalidParameter', `unknown region ${req.region}`, { reason: 'Region' });
    const type = this.catalog.instanceTypes.find((t) => t.instanceType === req.instanceType);
    if (!type) throw new EmulatorError('InvalidParameter', `unknown instance type ${req.instanceType}`, { reason: 'InstanceType' });
    if (req.zone && !region.zones.includes(req.zone)) {
      throw new EmulatorError('InvalidParameter', `zone ${req.zone} is not in region ${req.region}`, { reason: 'Zone' });
    }
    if (!req.imageId) throw new EmulatorError('InvalidParameter', 'an image id is required', { reason: 'Image' });

    const quota = this.quotaOf(req.region);
    const live = this.list({ owner, region: req.region }).length;
    if (live + amount > quota) {
      throw new EmulatorError('QuotaExceeded', `instance quota of ${quota} in ${req.region} would be exceeded (${live} live, ${amount} asked)`);
    }
    const zone = req.zone ?? region.zones.find((z) => this.stockOf(req.region, z, type.instanceType) >= amount);
    const left = zone ? this.stockOf(req.region, zone, type.instanceType) : 0;
    if (!zone || left < amount) {
      throw new EmulatorError('NoStock', `no stock of ${type.instanceType} in ${req.zone ?? req.region} (${left} left, ${amount} asked)`);
    }
    this.stock.set(stockKey(req.region, zone, type.instanceType), left - amount);

    const ids: string[] = [];
    for (let i = 0; i < amount; i++) {
      const inst: EmulatedInstance = {
        id: this.newId(),
        name: req.name,
        clientToken: req.clientToken,
        owner,
        region: req.region,
        zone,
        instanceType: type.instanceType,
        cpu: type.cpu,
        memoryGiB: type.memoryGiB,
        diskGiB: req.diskGiB ?? this.opts.defaultDiskGiB ?? 40,
        imageId: req.imageId,
        state: 'pending',
        tags: { ...req.tags },
        createdAt: new Date(),
        privateIp: this.nextPrivateIp(),
        sshPort: 22,
        backing: { kind: this.backing.kind },
      };
      const rec: InstanceRecord = { inst, password: req.password, seq: 0, backingChain: Promise.resolve() };
      this.records.set(inst.id, rec);
      ids.push(inst.id);
      this.beginCreate(rec);
    }
    if (tokenKey) this.tokens.set(tokenKey, { instanceIds: ids, fingerprint });
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
    const rec = this.record(id);
    this.expectState(rec, ['stopped'], 'start');
    this.begin(rec, 'start', 'starting', 'running', () => this.backing.start(snapshot(rec.inst)));
  }

  /** Stopping an already stopped instance is IncorrectState: the cloud layer decides if its cloud tolerates it. */
  stop(id: string, opts: { force?: boolean } = {}): void {
    const rec = this.record(id);
    // A forced stop also takes an instance whose graceful stop hangs: that is what it is for.
    this.expectState(rec, opts.force ? ['running', 'stopping'] : ['running'], 'stop');
    this.begin(rec, 'stop', 'stopping', 'stopped', () => this.backing.stop(snapshot(rec.inst), !!opts.force), !!opts.force);
  }

  reboot(id: string, opts: { force?: boolean } = {}): void {
    const rec = this.record(id);
    this.expectState(rec, ['running'], 'reboot');
    this.begin(rec, 'reboot', 'rebooting', 'running', () => this.backing.reboot(snapshot(rec.inst), !!opts.force));
  }

  /**
   * Without force only a stopped (or failed) instance; with force also a running one or one in
   * any transition (that transition is abandoned). Deleting one already 'deleting' is a no-op.
   */
  delete(id: string, opts: { force?: boolean } = {}): void {
    const rec = this.record(id);
    if (rec.inst.state === 'deleting') return;
    const allowed: InstanceState[] = opts.force ? ['stopped', 'running', 'error', ...TRANSITIONAL] : ['stopped', 'error'];
    this.expectState(rec, allowed, 'delete');
    this.begin(rec, 'delete', 'deleting', 'deleted', () => this.backing.delete(snapshot(rec.inst)), !!opts.force);
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
    this.stock.set(stockKey(region, zone, instanceType), Math.max(0, Math.floor(count)));
  }

  stockOf(region: string, zone: string, instanceType: string): number {
    return this.stock.get(stockKey(region, zone, instanceType)) ?? this.opts.defaultStock ?? 1000;
  }

  /** Per access key, in `region` (or in every region without one of its own when region is absent). */
  setQuota(maxInstances: number, region?: string): void {
    this.quotas.set(region ?? '*', Math.max(0, Math.floor(maxInstances)));
  }

  quotaOf(region: string): number {
    return this.quotas.get(region) ?? this.quotas.get('*') ?? this.opts.quotaPerRegion ?? 100;
  }

  /** Applies to transitions that begin afterwards. */
  setDelays(patch: Partial<Delays>): Delays {
    this.delays = { ...this.delays, ...patch };
    return { ...this.delays };
  }

  getDelays(): Delays {
    return { ...this.delays };
  }

  /**
   * Freezes a transition (e.g. 'stop' never completes) for every instance, or one instance.
   * Clearing lets frozen transitions complete at once if their delay has passed.
   */
  setStuck(transition: Transition, on: boolean, instanceId?: string): void {
    const key = instanceId ? `${transition}:${instanceId}` : transition;
    if (on) this.stuck.add(key);
    else this.stuck.delete(key);
    if (!on) for (const rec of [...this.records.values()]) this.tryFinish(rec);
  }

  /** The next `count` launches end in 'error' instead of 'running' (Tencent LAUNCH_FAILED). */
  failNextLaunches(count: number): void {
    this.launchFailures = Math.max(0, Math.floor(count));
  }

  /** Back to a fresh emulator: no instances (backings removed), default knobs, no faults. */
  async reset(): Promise<void> {
    const recs = [...this.records.values()];
    this.dispose();
    this.records.clear();
    this.tokens.clear();
    this.stock.clear();
    this.quotas.clear();
    this.stuck.clear();
    this.faults.clear();
    this.throttle.reset();
    this.launchFailures = 0;
    this.delays = { ...DEFAULT_DELAYS, ...this.opts.delays };
    await Promise.all(recs.map((r) => r.backingChain.catch(() => undefined).then(() => this.backing.delete(r.inst)).catch(() => undefined)));
    await this.backing.purge?.().catch((err: unknown) => this.log.warn('purging backings failed', { error: String(err) }));
  }

  /** Stops all timers (instances freeze where they are); call when the emulator shuts down. */
  dispose(): void {
    for (const rec of this.records.values()) {
      if (rec.op) clearTimeout(rec.op.timer);
      rec.seq++;
      rec.op = undefined;
    }
  }

  // ---- the state machine -----------------------------------------------------------------------

  private beginCreate(rec: InstanceRecord): void {
    const failLaunch = this.launchFailures > 0;
    if (failLaunch) this.launchFailures--;
    this.begin(rec, 'create', 'pending', 'running', async () => {
      if (failLaunch) {
        await new Promise((r) => setTimeout(r, this.delays.create).unref());
        throw new Error('launch failed (injected)');
      }
      const made = await this.backing.create(snapshot(rec.inst), rec.password);
      rec.inst.publicIp = made.publicIp;
      rec.inst.sshPort = made.sshPort;
      rec.inst.backing = { kind: this.backing.kind, id: made.backingId };
    });
  }

  /** `forced` operations are not frozen by a stuck transition: forcing is how a stuck one is escaped. */
  private begin(rec: InstanceRecord, transition: Transition, during: InstanceState, target: InstanceState, work: () => Promise<void>, forced = false): void {
    if (rec.op) clearTimeout(rec.op.timer);
    const seq = ++rec.seq;
    const timer = setTimeout(() => {
      if (rec.seq !== seq || !rec.op) return;
      rec.op.delayDone = true;
      this.tryFinish(rec);
    }, this.delays[transition]);
    timer.unref(); // an emulator left running must not keep a test process alive
    rec.op = { transition, target, delayDone: false, backingDone: false, timer, forced };
    rec.inst.state = during;
    rec.inst.transition = transition;
    this.changed(rec);
    const run = rec.backingChain.catch(() => undefined).then(work);
    rec.backingChain = run;
    void run.then(
      () => {
        if (rec.seq !== seq || !rec.op) return;
        rec.op.backingDone = true;
        this.tryFinish(rec);
      },
      (err: unknown) => {
        if (rec.seq !== seq) return;
        this.fail(rec, `${transition} failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  private tryFinish(rec: InstanceRecord): void {
    const op = rec.op;
    if (!op || !op.delayDone || !op.backingDone) return;
    if (!op.forced && (this.stuck.has(op.transition) || this.stuck.has(`${op.transition}:${rec.inst.id}`))) return;
    rec.op = undefined;
    rec.seq++;
    rec.inst.transition = undefined;
    if (op.target === 'deleted') {
      this.records.delete(rec.inst.id);
      const { region, zone, instanceType } = rec.inst;
      this.stock.set(stockKey(region, zone, instanceType), this.stockOf(region, zone, instanceType) + 1); // capacity freed
      rec.inst.state = 'deleted';
    } else {
      rec.inst.state = op.target;
    }
    this.changed(rec);
  }

  /** A backing failure: the instance goes to 'error' and stays there; the emulator goes on. */
  private fail(rec: InstanceRecord, reason: string): void {
    if (rec.op) clearTimeout(rec.op.timer);
    rec.op = undefined;
    rec.seq++;
    rec.inst.state = 'error';
    rec.inst.transition = undefined;
    rec.inst.lastError = reason;
    this.log.error('emulated instance failed', { id: rec.inst.id, reason });
    this.changed(rec);
  }

  private changed(rec: InstanceRecord): void {
    this.events.emit('change', snapshot(rec.inst));
  }

  private record(id: string): InstanceRecord {
    const rec = this.records.get(id);
    if (!rec) throw new EmulatorError('NotFound', `instance ${id} does not exist`, { instanceId: id });
    return rec;
  }

  private expectState(rec: InstanceRecord, allowed: InstanceState[], verb: string): void {
    const { state, id } = rec.inst;
    if (!allowed.includes(state)) {
      throw new EmulatorError('IncorrectState', `cannot ${verb} instance ${id} while it is ${state}`, { state, instanceId: id });
    }
  }

  private snapshots(ids: string[]): EmulatedInstance[] {
    return ids.flatMap((id) => {
      const rec = this.records.get(id);
      return rec ? [snapshot(rec.inst)] : [];
    });
  }

  private newId(): string {
    for (;;) {
      const id = this.opts.newInstanceId ? this.opts.newInstanceId() : `i-${randomBytes(10).toString('hex')}`;
      if (!this.records.has(id)) return id;
    }
  }

  /** 10.0.0.0/8 addresses from a counter: unique, VPC-looking, never dialled. */
  private nextPrivateIp(): string {
    const n = this.ipCounter++;
    const net = Math.floor(n / 253);
    return `10.${(net >> 8) & 255}.${net & 255}.${(n % 253) + 2}`;
  }
}

function stockKey(region: string, zone: string, instanceType: string): string {
  return `${region}/${zone}/${instanceType}`;
}

function snapshot(inst: EmulatedInstance): EmulatedInstance {
  return { ...inst, tags: { ...inst.tags }, backing: { ...inst.backing }, createdAt: new Date(inst.createdAt) };
}
