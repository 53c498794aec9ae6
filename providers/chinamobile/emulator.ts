/**
 * China Mobile ECloud emulator: ECloud's v4 instance API (BC-Signature V2.0, the
 * `{requestId, state, body, errorCode, errorMessage}` envelope, batch results, create answering
 * with an order id) on the cloud-neutral emulation core. Where the real wire is uncertain
 * (wire.ts) it accepts every variant we know of: wrapped or bare bodies, old or v4 create field
 * names, UTC or Beijing-local timestamps, pool or OpenAPI region ids.
 *
 * Every emulated instance carries the tag `vibebox:emulated=chinamobile`, so a box's metadata
 * says plainly that its cloud was emulated; the adapter passes tags through without knowing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  CONTROL_PREFIX,
  CloudCatalog,
  EmulatedCloud,
  EmulatedInstance,
  EmulatorError,
  EmulatorHandle,
  EmulatorOptions,
  EmulatorRequestIds,
  InstanceState,
  createControlRouter,
  detectBacking,
  isEmulatorError,
  startEmulatorServer,
} from '../emulation';
import { DEFAULT_REGION, ECLOUD_REGIONS, ECLOUD_SPECS, HOURS_PER_MONTH, findRegion } from './catalog';
import { verifyRequest, VerifyFailure } from './signature';
import {
  ECLOUD_ERROR_CODES as CODES,
  HTTP_STATUS,
  OPERATIONS,
  OperationName,
  REGION_HEADER,
  isRecord,
  readTags,
  toTagList,
  unwrapBody,
} from './wire';

export const EMULATED_TAG_KEY = 'vibebox:emulated';
/** How long a created instance stays out of listings: ECloud fulfils the order asynchronously. */
export const ORDER_VISIBILITY_DELAY_MS = 250;

export function chinaMobileCatalog(): CloudCatalog {
  return {
    regions: ECLOUD_REGIONS.map((r) => ({ regionId: r.poolId, name: r.name, zones: [...r.zones] })),
    instanceTypes: ECLOUD_SPECS.map((s) => ({
      instanceType: s.specsName,
      cpu: s.cpu,
      memoryGiB: s.memoryGiB,
      family: s.specsName.split('.')[0],
      price: s.priceCnyPerMonth / HOURS_PER_MONTH,
    })),
  };
}

export async function startChinaMobileEmulator(opts: EmulatorOptions): Promise<EmulatorHandle> {
  const backing = opts.backing ?? (await detectBacking({ cloud: 'chinamobile' }));
  const cloud = new EmulatedCloud({ cloud: 'chinamobile', catalog: chinaMobileCatalog(), delays: opts.delays, backing, newInstanceId: randomUUID });
  const secrets = new Map(opts.credentials.map((c) => [c.accessKeyId, c.accessKeySecret]));
  const server = await startEmulatorServer({ app: createChinaMobileApp(cloud, (ak) => secrets.get(ak)), port: opts.port, host: opts.host });
  return {
    url: server.url,
    port: server.port,
    cloud,
    providerEnv: (c) => ({
      CHINAMOBILE_ACCESS_KEY_ID: c.accessKeyId,
      CHINAMOBILE_ACCESS_KEY_SECRET: c.accessKeySecret,
      CHINAMOBILE_ENDPOINT: server.url,
      CHINAMOBILE_REGION: DEFAULT_REGION,
    }),
    async close() {
      await server.close();
      await cloud.reset(); // removes backing containers; timers stop
    },
  };
}

/** What a route handler gets once the request is authenticated and admitted. */
interface CallContext {
  accessKey: string;
  region: string;
  body: Record<string, unknown>;
  query: URLSearchParams;
}

/** An error in ECloud's terms: HTTP status, envelope state and code. */
class EcloudWireError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly state: 'ERROR' | 'EXCEPTION' | 'FORBIDDEN',
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const AUTH_CODES: Record<VerifyFailure, string> = {
  missingParameter: CODES.missingParameter,
  unknownAccessKey: CODES.invalidAccessKey,
  badSignature: CODES.signatureMismatch,
  staleTimestamp: CODES.requestExpired,
  unsupportedMethod: CODES.invalidParameter,
};

function fromEmulatorError(err: EmulatorError): EcloudWireError {
  switch (err.code) {
    case 'NotFound':
      return new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.notFound, err.message);
    case 'IncorrectState':
      return new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.incorrectState, err.message);
    case 'NoStock':
      return new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.noStock, err.message);
    case 'QuotaExceeded':
      return new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.quotaExceeded, err.message);
    case 'Throttled':
      return new EcloudWireError(HTTP_STATUS.throttled, 'ERROR', CODES.throttled, err.message, err.retryAfterSeconds ?? 1);
    case 'InvalidParameter':
      return new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.invalidParameter, err.message);
    case 'Internal':
      return new EcloudWireError(HTTP_STATUS.internal, 'EXCEPTION', CODES.internal, err.message);
  }
}

/** (ecStatus, opStatus) for each neutral state, as ECloud's listings show them. */
const ECLOUD_STATE: Record<InstanceState, [string, string]> = {
  pending: ['build', 'CREATING'],
  running: ['active', 'OK'],
  stopping: ['active', 'STOPING'],
  stopped: ['shutoff', 'OK'],
  starting: ['shutoff', 'STARTING'],
  rebooting: ['reboot', 'REBOOTING'],
  deleting: ['shutoff', 'DELETING'],
  deleted: ['deleted', 'OK'],
  error: ['error', 'OK'],
};

export function renderInstance(i: EmulatedInstance): Record<string, unknown> {
  const [ecStatus, opStatus] = ECLOUD_STATE[i.state];
  return {
    instanceId: i.id,
    instanceName: i.name ?? '',
    flavorName: i.instanceType,
    specsName: i.instanceType,
    vcpu: i.cpu,
    vmemory: i.memoryGiB * 1024,
    vdisk: i.diskGiB,
    status: ecStatus,
    ecStatus,
    opStatus,
    zoneId: i.zone,
    availableZone: i.zone,
    region: i.region,
    imageName: i.imageId,
    serverType: 'VM',
    createdTime: i.createdAt.toISOString(),
    tags: toTagList(i.tags),
  };
}

export function createChinaMobileApp(cloud: EmulatedCloud, secretOf: (accessKey: string) => string | undefined): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(CONTROL_PREFIX, createControlRouter(cloud));
  const orders = new OrderBook();

  /** Signature → region → throttle/faults → handler → envelope. */
  const route =
    (op: OperationName, handler: (ctx: CallContext) => unknown): RequestHandler =>
    (req, res) => {
      const requestId = EmulatorRequestIds.chinamobile();
      const url = new URL(req.originalUrl, 'http://emulator');
      const verdict = verifyRequest({ method: req.method, path: url.pathname, params: Object.fromEntries(url.searchParams), secretOf });
      if (!verdict.ok) {
        sendError(res, requestId, new EcloudWireError(HTTP_STATUS.auth, 'FORBIDDEN', AUTH_CODES[verdict.failure], verdict.message));
        return;
      }
      try {
        const region = regionOf(req.header(REGION_HEADER));
        const decision = cloud.admit(op, verdict.accessKey);
        switch (decision.kind) {
          case 'hang':
            return; // never answer; the server's close() destroys the socket
          case 'throttle':
            throw new EcloudWireError(HTTP_STATUS.throttled, 'ERROR', CODES.throttled, 'request rate limit exceeded', decision.retryAfterSeconds);
          case 'http5xx':
            throw new EcloudWireError(decision.status, 'EXCEPTION', CODES.internal, decision.message);
          case 'error':
            throw decision.error;
          case 'none':
            break;
        }
        const body = handler({ accessKey: verdict.accessKey, region, body: unwrapBody(req.body), query: url.searchParams });
        res.status(HTTP_STATUS.ok).json({ requestId, state: 'OK', body });
      } catch (err) {
        sendError(res, requestId, toWireError(err));
      }
    };

  /** The instance if this key may see it in this region; ECloud answers the same for "not yours". */
  const owned = (ctx: CallContext, id: string): EmulatedInstance => {
    const inst = cloud.find(id);
    if (!inst || inst.owner !== ctx.accessKey || inst.region !== ctx.region) throw new EmulatorError('NotFound', `instance ${id} does not exist`);
    return inst;
  };

  const batch = (verb: (id: string) => void) => (ctx: CallContext) => {
    const ids = ctx.body.instanceIds;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => typeof i === 'string')) {
      throw new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.missingParameter, 'instanceIds is required');
    }
    const instanceBatchResult = (ids as string[]).map((instanceId) => {
      try {
        owned(ctx, instanceId);
        verb(instanceId);
        return { instanceId, result: true, message: 'success' };
      } catch (err) {
        if (!isEmulatorError(err)) throw err;
        return { instanceId, result: false, message: err.message };
      }
    });
    return { instanceBatchResult };
  };

  const api = express.Router();
  api.use(express.json());
  const mount = (op: OperationName, handler: (ctx: CallContext) => unknown) => {
    const { method, path } = OPERATIONS[op];
    if (method === 'GET') api.get(path, route(op, handler));
    else api.post(path, route(op, handler));
  };

  mount('DescribeRegions', () => ECLOUD_REGIONS.map((r) => ({ regionId: r.poolId, regionName: r.name, openApiRegionId: r.openApiRegionId })));

  mount('DescribeZones', (ctx) =>
    zonesOf(ctx.region).map((zoneId) => ({ zoneId, zoneName: zoneId, regionId: ctx.region, status: 'available' })),
  );

  // "Which specs can I buy here": those with stock left in the zone (any zone of the region when none is given).
  mount('DescribeFlavors', (ctx) => {
    const zone = ctx.query.get('zoneId');
    const zones = zone ? [zone] : zonesOf(ctx.region);
    return cloud.catalog.instanceTypes
      .filter((t) => zones.some((z) => cloud.stockOf(ctx.region, z, t.instanceType) > 0))
      .map((t) => ({ flavorName: t.instanceType, specsName: t.instanceType, vcpu: t.cpu, vmemory: t.memoryGiB * 1024, family: t.family }));
  });

  mount('CreateInstances', (ctx) => {
    const req = parseCreate(ctx, zonesOf(ctx.region));
    const { instanceIds } = cloud.create({ ...req, owner: ctx.accessKey, region: ctx.region, tags: { ...req.tags, [EMULATED_TAG_KEY]: 'chinamobile' } });
    return { orderId: orders.place(instanceIds) };
  });

  mount('DescribeInstances', (ctx) => {
    const b = ctx.body;
    const ids = typeof b.instanceId === 'string' ? [b.instanceId] : Array.isArray(b.instanceIds) ? b.instanceIds.filter((i): i is string => typeof i === 'string') : undefined;
    const name = typeof b.instanceName === 'string' ? b.instanceName : typeof b.name === 'string' ? b.name : undefined;
    const tags = b.tags !== undefined ? readTags(b.tags) : undefined;
    const zone = typeof b.zoneId === 'string' ? b.zoneId : undefined;
    const page = positiveInt(b.page, 1);
    const pageSize = Math.min(positiveInt(b.pageSize, 10), 100);
    const all = cloud
      .list({ owner: ctx.accessKey, region: ctx.region, ids, tags })
      .filter((i) => orders.visible(i.id) && (name === undefined || i.name === name) && (zone === undefined || i.zone === zone));
    return { content: all.slice((page - 1) * pageSize, page * pageSize).map(renderInstance), total: all.length, page, pageSize };
  });

  mount('DescribeVirtualNetworks', (ctx) => {
    const id = ctx.query.get('instanceId');
    if (!id) throw new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.missingParameter, 'instanceId is required');
    const inst = owned(ctx, id);
    const nic = {
      id: `port-${inst.id.slice(0, 8)}`,
      name: `${inst.name ?? inst.id}-nic`,
      macAddress: macOf(inst.id),
      ...(inst.publicIp ? { publicIp: inst.publicIp } : {}),
      fixedIpResps: [{ ipAddress: inst.privateIp, ipVersion: 4, subnetId: `subnet-${inst.zone}` }],
      securityGroupResps: [],
    };
    return { content: [nic], total: 1 };
  });

  mount('BatchStartInstances', batch((id) => cloud.start(id)));
  mount('BatchStopInstances', batch((id) => cloud.stop(id)));
  mount('BatchRebootInstances', batch((id) => cloud.reboot(id)));
  // ECloud releases an instance whatever its state (assumed): the core's forced delete.
  mount('DeleteInstances', batch((id) => cloud.delete(id, { force: true })));

  app.use(api);
  app.use((req, res) => sendError(res, EmulatorRequestIds.chinamobile(), new EcloudWireError(404, 'ERROR', CODES.notFound, `no API at ${req.method} ${req.path}`)));
  // Malformed JSON and the like, in the cloud's envelope.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => sendError(res, EmulatorRequestIds.chinamobile(), toWireError(err)));
  return app;

  function zonesOf(region: string): string[] {
    return cloud.catalog.regions.find((r) => r.regionId === region)?.zones ?? [];
  }
}

/** Region-Id: pool id or OpenAPI region id; absent means the default region. */
function regionOf(header: string | undefined): string {
  if (!header) return DEFAULT_REGION;
  const region = findRegion(header);
  if (!region) throw new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.invalidParameter, `unknown region ${header}`);
  return region.poolId;
}

interface ParsedCreate {
  zone?: string;
  instanceType: string;
  imageId: string;
  diskGiB?: number;
  amount: number;
  password: string;
  name: string;
  tags: Record<string, string>;
}

/** Old (VmCreateapi) and v4 field names alike. */
function parseCreate(ctx: CallContext, zones: string[]): ParsedCreate {
  const b = ctx.body;
  const pick = (...keys: string[]) => keys.map((k) => b[k]).find((v) => v !== undefined && v !== '');
  const required = (label: string, ...keys: string[]): string => {
    const v = pick(...keys);
    if (typeof v !== 'string') throw new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.missingParameter, `${label} is required`);
    return v;
  };
  const instanceType = required('specsName', 'specsName', 'flavorName');
  const imageId = required('imageName', 'imageName', 'imageId');
  const password = required('password', 'password');
  const name = required('name', 'name', 'instanceName');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9-]{3,20}[a-zA-Z0-9]$/.test(name)) {
    throw new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.invalidParameter, 'name must be 5-22 letters, digits or "-", not starting or ending with "-"');
  }
  const billing = pick('billingType', 'chargeMode');
  if (billing !== undefined && !['HOUR', 'MONTH', 'YEAR'].includes(String(billing))) {
    throw new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.invalidParameter, `billingType ${String(billing)} is not HOUR, MONTH or YEAR`);
  }
  // The old API's `region` is the zone; a pool id there means "anywhere in the region".
  const zoneField = pick('zoneId', 'region');
  const zone = typeof zoneField === 'string' && zones.includes(zoneField) ? zoneField : undefined;
  if (typeof zoneField === 'string' && !zone && !findRegion(zoneField)) {
    throw new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.invalidParameter, `zone ${zoneField} is not in region ${ctx.region}`);
  }
  const boot = isRecord(b.bootVolume) ? b.bootVolume : {};
  const disk = Number(boot.size ?? b.disk);
  return {
    zone,
    instanceType,
    imageId,
    diskGiB: Number.isFinite(disk) && disk > 0 ? disk : undefined,
    amount: positiveInt(pick('quantity', 'amount'), 1),
    password,
    name,
    tags: readTags(b.tags),
  };
}

/** Order ids, and which instances are not listed yet because their order is still "processing". */
class OrderBook {
  private readonly hidden = new Set<string>();

  place(instanceIds: string[]): string {
    for (const id of instanceIds) this.hidden.add(id);
    setTimeout(() => instanceIds.forEach((id) => this.hidden.delete(id)), ORDER_VISIBILITY_DELAY_MS).unref();
    return randomBytes(12).toString('hex');
  }

  visible(instanceId: string): boolean {
    return !this.hidden.has(instanceId);
  }
}

function toWireError(err: unknown): EcloudWireError {
  if (err instanceof EcloudWireError) return err;
  if (isEmulatorError(err)) return fromEmulatorError(err);
  const status = (err as { status?: number }).status;
  if (status && status >= 400 && status < 500) return new EcloudWireError(HTTP_STATUS.ok, 'ERROR', CODES.invalidParameter, (err as Error).message);
  return new EcloudWireError(HTTP_STATUS.internal, 'EXCEPTION', CODES.internal, err instanceof Error ? err.message : String(err));
}

function sendError(res: Response, requestId: string, err: EcloudWireError): void {
  if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(err.retryAfterSeconds)));
  res.status(err.httpStatus).json({ requestId, state: err.state, body: null, errorCode: err.code, errorMessage: err.message });
}

function positiveInt(v: unknown, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function macOf(id: string): string {
  const hex = id.replace(/[^0-9a-f]/gi, '').padEnd(10, '0');
  return `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}
