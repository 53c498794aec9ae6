/**
 * The ECloud v4 operations the emulator serves, each turning an authenticated, admitted call
 * (its region, unwrapped JSON body and query) into calls on the neutral EmulatedCloud and
 * answering with the body of ECloud's envelope. Where the real wire is uncertain
 * (providers/chinamobile/wire.ts) a handler accepts every variant we know of: old or v4 create
 * field names, pool or OpenAPI region ids. Errors are thrown: EcloudWireError or EmulatorError.
 *
 * Every emulated instance carries the tag `vibebox:emulated=chinamobile`, so a box's metadata
 * says plainly that its cloud was emulated; the adapter passes tags through without knowing.
 */
import { randomBytes } from 'node:crypto';
import { EmulatedCloud, EmulatedInstance, EmulatorError, isEmulatorError } from '../../emulation';
import { ECLOUD_REGIONS, findRegion } from '../catalog';
import { ECLOUD_ERROR_CODES as CODES, OperationName, isRecord, readTags } from '../wire';
import { refused } from './errors';
import { renderInstance, renderNic } from './render';

export const EMULATED_TAG_KEY = 'vibebox:emulated';
/** How long a created instance stays out of listings: ECloud fulfils the order asynchronously. */
export const ORDER_VISIBILITY_DELAY_MS = 250;

/** What a handler gets once the request is authenticated and admitted. */
export interface CallContext {
  accessKey: string;
  /** Pool id, already checked against the catalog. */
  region: string;
  body: Record<string, unknown>;
  query: URLSearchParams;
}

export type ActionHandler = (ctx: CallContext) => unknown;

/** The handlers of one emulator (they share its order book). */
export function ecloudActions(cloud: EmulatedCloud): Record<OperationName, ActionHandler> {
  const orders = new OrderBook();
  const zonesOf = (region: string): string[] => cloud.catalog.regions.find((r) => r.regionId === region)?.zones ?? [];

  /** The instance if this key may see it in this region; ECloud answers the same for "not yours". */
  const owned = (ctx: CallContext, id: string): EmulatedInstance => {
    const inst = cloud.find(id);
    if (!inst || inst.owner !== ctx.accessKey || inst.region !== ctx.region) throw new EmulatorError('NotFound', `instance ${id} does not exist`);
    return inst;
  };

  /** Batch verbs answer per instance; a refusal of one does not stop the others. */
  const batch =
    (verb: (id: string) => void): ActionHandler =>
    (ctx) => {
      const ids = ctx.body.instanceIds;
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => typeof i === 'string')) {
        throw refused(CODES.missingParameter, 'instanceIds is required');
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

  return {
    DescribeRegions: () => ECLOUD_REGIONS.map((r) => ({ regionId: r.poolId, regionName: r.name, openApiRegionId: r.openApiRegionId })),

    DescribeZones: (ctx) => zonesOf(ctx.region).map((zoneId) => ({ zoneId, zoneName: zoneId, regionId: ctx.region, status: 'available' })),

    // "Which specs can I buy here": those with stock left in the zone (any zone of the region when none is given).
    DescribeFlavors: (ctx) => {
      const zone = ctx.query.get('zoneId');
      const zones = zone ? [zone] : zonesOf(ctx.region);
      return cloud.catalog.instanceTypes
        .filter((t) => zones.some((z) => cloud.stockOf(ctx.region, z, t.instanceType) > 0))
        .map((t) => ({ flavorName: t.instanceType, specsName: t.instanceType, vcpu: t.cpu, vmemory: t.memoryGiB * 1024, family: t.family }));
    },

    CreateInstances: (ctx) => {
      const req = parseCreate(ctx, zonesOf(ctx.region));
      const { instanceIds } = cloud.create({ ...req, owner: ctx.accessKey, region: ctx.region, tags: { ...req.tags, [EMULATED_TAG_KEY]: 'chinamobile' } });
      return { orderId: orders.place(instanceIds) };
    },

    DescribeInstances: (ctx) => {
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
    },

    DescribeVirtualNetworks: (ctx) => {
      const id = ctx.query.get('instanceId');
      if (!id) throw refused(CODES.missingParameter, 'instanceId is required');
      return { content: [renderNic(owned(ctx, id))], total: 1 };
    },

    BatchStartInstances: batch((id) => cloud.start(id)),
    BatchStopInstances: batch((id) => cloud.stop(id)),
    BatchRebootInstances: batch((id) => cloud.reboot(id)),
    // ECloud releases an instance whatever its state (assumed): the core's forced delete.
    DeleteInstances: batch((id) => cloud.delete(id, { force: true })),
  };
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
    if (typeof v !== 'string') throw refused(CODES.missingParameter, `${label} is required`);
    return v;
  };
  const instanceType = required('specsName', 'specsName', 'flavorName');
  const imageId = required('imageName', 'imageName', 'imageId');
  const password = required('password', 'password');
  const name = required('name', 'name', 'instanceName');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9-]{3,20}[a-zA-Z0-9]$/.test(name)) {
    throw refused(CODES.invalidParameter, 'name must be 5-22 letters, digits or "-", not starting or ending with "-"');
  }
  const billing = pick('billingType', 'chargeMode');
  if (billing !== undefined && !['HOUR', 'MONTH', 'YEAR'].includes(String(billing))) {
    throw refused(CODES.invalidParameter, `billingType ${String(billing)} is not HOUR, MONTH or YEAR`);
  }
  // The old API's `region` is the zone; a pool id there means "anywhere in the region".
  const zoneField = pick('zoneId', 'region');
  const zone = typeof zoneField === 'string' && zones.includes(zoneField) ? zoneField : undefined;
  if (typeof zoneField === 'string' && !zone && !findRegion(zoneField)) {
    throw refused(CODES.invalidParameter, `zone ${zoneField} is not in region ${ctx.region}`);
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

function positiveInt(v: unknown, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
