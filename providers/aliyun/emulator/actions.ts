/**
 * The ECS actions the emulator serves, each turning flattened RPC parameters into a call on the
 * emulation core and rendering the answer with ECS's field names and status strings. A handler
 * returns the response body without RequestId (the dispatcher adds it) or throws
 * AliyunApiError / EmulatorError.
 */
import { generatePassword } from '../../../lib/passwords';
import { EmulatedCloud, EmulatedInstance, EmulatorError } from '../../emulation';
import { regionEndpoint } from '../catalog';
import { AliyunApiError, invalidParameter, missingParameter } from './errors';
import { InstanceExtras, aliyunStatus, renderInstance } from './render';

/** Every emulated instance carries this tag, so a box's metadata says plainly that its cloud was emulated. */
export const EMULATED_TAG = { key: 'vibebox:emulated', value: 'aliyun' } as const;

/** Hours in the month ECS prices are quoted for; an emulator simplification (see docs). */
export const HOURS_PER_MONTH = 720;

export interface ActionContext {
  cloud: EmulatedCloud;
  accessKeyId: string;
  params: Record<string, string>;
  extras: Map<string, InstanceExtras>;
}

export type ActionHandler = (ctx: ActionContext) => Record<string, unknown>;

export const ECS_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  StartInstance: ({ cloud, params, accessKeyId }) => {
    cloud.start(ownInstance(cloud, params, accessKeyId).id);
    return {};
  },
  StopInstance: ({ cloud, params, accessKeyId, extras }) => {
    const inst = ownInstance(cloud, params, accessKeyId);
    cloud.stop(inst.id, { force: flag(params.ForceStop) });
    const extra = extras.get(inst.id);
    if (extra && params.StoppedMode) extra.stoppedMode = params.StoppedMode;
    return {};
  },
  RebootInstance: ({ cloud, params, accessKeyId }) => {
    cloud.reboot(ownInstance(cloud, params, accessKeyId).id, { force: flag(params.ForceStop) });
    return {};
  },
  DeleteInstance: ({ cloud, params, accessKeyId }) => {
    cloud.delete(ownInstance(cloud, params, accessKeyId).id, { force: flag(params.Force) });
    return {};
  },
  DescribeRegions: ({ cloud }) => ({
    Regions: {
      Region: cloud.catalog.regions.map((r) => ({ RegionId: r.regionId, LocalName: r.name ?? r.regionId, RegionEndpoint: regionEndpoint(r.regionId), Status: 'available' })),
    },
  }),
  DescribeInstanceTypes: describeInstanceTypes,
  DescribeAvailableResource: describeAvailableResource,
  DescribePrice: describePrice,
};

function runInstances({ cloud, params, accessKeyId, extras }: ActionContext): Record<string, unknown> {
  const region = regionOf(cloud, params);
  const amount = integer(params, 'Amount') ?? 1;
  const instanceType = required(params, 'InstanceType');
  const imageId = required(params, 'ImageId');
  if (flag(params.DryRun)) throw new AliyunApiError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
  const result = cloud.create({
    owner: accessKeyId,
    region,
    zone: params.ZoneId || undefined,
    instanceType,
    imageId,
    diskGiB: integer(params, 'SystemDisk.Size'),
    amount,
    clientToken: params.ClientToken || undefined,
    // ECS makes an instance without a login password when none is given; nobody knows this one.
    password: params.Password || generatePassword(),
    name: params.InstanceName || undefined,
    tags: { ...indexedPairs(params, 'Tag', 'Key', 'Value'), [EMULATED_TAG.key]: EMULATED_TAG.value },
  });
  if (!result.reused) {
    for (const id of result.instanceIds) {
      extras.set(id, {
        internetMaxBandwidthOut: integer(params, 'InternetMaxBandwidthOut') ?? 0,
        securityGroupId: params.SecurityGroupId,
        vSwitchId: params.VSwitchId,
        systemDiskCategory: params['SystemDisk.Category'] || 'cloud_efficiency',
      });
    }
  }
  const hourly = cloud.catalog.instanceTypes.find((t) => t.instanceType === instanceType)?.price ?? 0;
  return { InstanceIdSets: { InstanceIdSet: result.instanceIds }, TradePrice: round(hourly * amount), OrderId: '' };
}

function describeInstances({ cloud, params, accessKeyId, extras }: ActionContext): Record<string, unknown> {
  const region = regionOf(cloud, params);
  const ids = params.InstanceIds ? jsonStringArray(params.InstanceIds, 'InstanceIds') : undefined;
  if (ids && ids.length > 100) throw invalidParameter('InstanceIds', 'at most 100 ids');
  const pageNumber = integer(params, 'PageNumber') ?? 1;
  const pageSize = Math.min(integer(params, 'PageSize') ?? 10, 100);
  const tags = indexedPairs(params, 'Tag', 'Key', 'Value');
  const listed = cloud
    .list({ ids, region, owner: accessKeyId, tags: Object.keys(tags).length ? tags : undefined })
    .filter((i) => i.state !== 'deleting' && i.state !== 'deleted')
    .filter((i) => !params.ZoneId || i.zone === params.ZoneId)
    .filter((i) => !params.Status || aliyunStatus(i) === params.Status);
  const page = listed.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return {
    TotalCount: listed.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    Instances: { Instance: page.map((i) => renderInstance(cloud, i, extras.get(i.id))) },
  };
}

function describeInstanceTypes({ cloud, params }: ActionContext): Record<string, unknown> {
  const wanted = repeatList(params, 'InstanceTypes');
  const min = (n: string) => number(params, n) ?? -Infinity;
  const max = (n: string) => number(params, n) ?? Infinity;
  const types = cloud.catalog.instanceTypes
    .filter((t) => wanted.length === 0 || wanted.includes(t.instanceType))
    .filter((t) => !params.InstanceTypeFamily || t.family === params.InstanceTypeFamily)
    .filter((t) => t.cpu >= min('MinimumCpuCoreCount') && t.cpu <= max('MaximumCpuCoreCount'))
    .filter((t) => t.memoryGiB >= min('MinimumMemorySize') && t.memoryGiB <= max('MaximumMemorySize'));
  return {
    InstanceTypes: {
      InstanceType: types.map((t) => ({ InstanceTypeId: t.instanceType, CpuCoreCount: t.cpu, MemorySize: t.memoryGiB, InstanceTypeFamily: t.family ?? '' })),
    },
  };
}

/** Per zone, which instance types have stock: `Available`/`WithStock` or `SoldOut`/`WithoutStock`. */
function describeAvailableResource({ cloud, params }: ActionContext): Record<string, unknown> {
  const region = cloud.catalog.regions.find((r) => r.regionId === regionOf(cloud, params))!;
  const destination = required(params, 'DestinationResource');
  if (destination !== 'InstanceType' && destination !== 'Zone') throw invalidParameter('DestinationResource', 'the emulator serves InstanceType and Zone');
  const cores = number(params, 'Cores');
  const memory = number(params, 'Memory');
  const types = cloud.catalog.instanceTypes
    .filter((t) => !params.InstanceType || t.instanceType === params.InstanceType)
    .filter((t) => (cores === undefined || t.cpu === cores) && (memory === undefined || t.memoryGiB === memory));
  const zones = region.zones.filter((z) => !params.ZoneId || z === params.ZoneId);
  return {
    AvailableZones: {
      AvailableZone: zones.map((zone) => {
        const offered = types.map((t) => ({ value: t.instanceType, inStock: cloud.stockOf(region.regionId, zone, t.instanceType) > 0 }));
        const zoneInStock = offered.some((o) => o.inStock);
        const supported =
          destination === 'Zone' ? [{ value: zone, inStock: zoneInStock }] : offered;
        return {
          RegionId: region.regionId,
          ZoneId: zone,
          ...stockStatus(zoneInStock),
          AvailableResources: {
            AvailableResource: [
              { Type: destination, SupportedResources: { SupportedResource: supported.map((s) => ({ Value: s.value, ...stockStatus(s.inStock) })) } },
            ],
          },
        };
      }),
    },
  };
}

/** Pay-as-you-go price of an instance type: `Hour` (ECS's default), `Month` or `Year`, times Period. */
function describePrice({ cloud, params }: ActionContext): Record<string, unknown> {
  regionOf(cloud, params);
  const instanceType = required(params, 'InstanceType');
  const type = cloud.catalog.instanceTypes.find((t) => t.instanceType === instanceType);
  if (!type) throw new EmulatorError('InvalidParameter', `unknown instance type ${instanceType}`, { reason: 'InstanceType' });
  const period = integer(params, 'Period') ?? 1;
  const unit = params.PriceUnit || 'Hour';
  const hoursPerUnit: Record<string, number> = { Hour: 1, Week: 168, Month: HOURS_PER_MONTH, Year: HOURS_PER_MONTH * 12 };
  if (!(unit in hoursPerUnit)) throw invalidParameter('PriceUnit', 'Hour, Week, Month or Year');
  const price = round(type.price * hoursPerUnit[unit] * period);
  return {
    PriceInfo: {
      Price: { OriginalPrice: price, DiscountPrice: 0, TradePrice: price, Currency: 'CNY', DetailInfos: { DetailInfo: [] } },
      Rules: { Rule: [] },
    },
  };
}

// ---- parameter helpers -------------------------------------------------------------------------

function required(params: Record<string, string>, name: string): string {
  const v = params[name];
  if (!v) throw missingParameter(name);
  return v;
}

function regionOf(cloud: EmulatedCloud, params: Record<string, string>): string {
  const region = required(params, 'RegionId');
  if (!cloud.catalog.regions.some((r) => r.regionId === region)) {
    throw new EmulatorError('InvalidParameter', `unknown region ${region}`, { reason: 'Region' });
  }
  return region;
}

/** The caller's own instance, not being deleted; anything else is ECS's InvalidInstanceId.NotFound. */
function ownInstance(cloud: EmulatedCloud, params: Record<string, string>, owner: string): EmulatedInstance {
  const id = required(params, 'InstanceId');
  const inst = cloud.find(id);
  if (!inst || inst.owner !== owner || inst.state === 'deleting') {
    throw new EmulatorError('NotFound', `instance ${id} does not exist`, { instanceId: id });
  }
  return inst;
}

/** ECS's gateway reads booleans case-blind: the Python SDK sends Python's `True`. */
function flag(value: string | undefined): boolean {
  return value?.toLowerCase() === 'true';
}

function number(params: Record<string, string>, name: string): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw invalidParameter(name, `"${raw}" is not a number`);
  return n;
}

function integer(params: Record<string, string>, name: string): number | undefined {
  const n = number(params, name);
  if (n !== undefined && !Number.isInteger(n)) throw invalidParameter(name, `"${params[name]}" is not an integer`);
  return n;
}

/** `Prefix.1`, `Prefix.2`, … in index order (RPC's flattening of an array of strings). */
function repeatList(params: Record<string, string>, prefix: string): string[] {
  return indexed(params, prefix).map(([, v]) => v);
}

/** `Tag.1.Key`/`Tag.1.Value`, … → { key: value } (RPC's flattening of an array of pairs). */
function indexedPairs(params: Record<string, string>, prefix: string, keyField: string, valueField: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [n, key] of indexed(params, prefix, `.${keyField}`)) out[key] = params[`${prefix}.${n}.${valueField}`] ?? '';
  return out;
}

function indexed(params: Record<string, string>, prefix: string, suffix = ''): Array<[number, string]> {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)${suffix.replace(/\./g, '\\.')}$`);
  return Object.entries(params)
    .flatMap(([k, v]): Array<[number, string]> => {
      const m = re.exec(k);
      return m ? [[Number(m[1]), v]] : [];
    })
    .sort((a, b) => a[0] - b[0]);
}

function jsonStringArray(raw: string, name: string): string[] {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed;
  } catch {
    // fall through to the ECS error below
  }
  throw invalidParameter(name, 'expected a JSON array of strings');
}

function stockStatus(inStock: boolean): { Status: string; StatusCategory: string } {
  return inStock ? { Status: 'Available', StatusCategory: 'WithStock' } : { Status: 'SoldOut', StatusCategory: 'WithoutStock' };
}

/** To the fen (0.01 CNY), as prices are quoted. */
function round(n: number): number {
  return Math.round(n * 100) / 100;
}
