/**
 * The CVM actions the emulator serves: each parses its JSON body (real field names), calls the
 * neutral EmulatedCloud, and answers with Tencent's response fields. RequestId, auth, throttling
 * and faults are the caller's (index.ts).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { generatePassword } from '../../../lib/passwords';
import { EmulatedCloud, EmulatedInstance, EmulatorError, ListFilter } from '../../emulation';
import { IMAGES, INSTANCE_TYPES, MAX_SYSTEM_DISK_GIB, MIN_SYSTEM_DISK_GIB, REGIONS, TencentRegion, hourlyCny } from '../catalog';
import { TencentApiError, fromEmulatorError, fromZodError } from './errors';
import { InstanceNotes, TENCENT_STATE_OF, renderInstance } from './render';

/** Marks every emulated instance, so a box's metadata says plainly that its cloud was emulated. */
export const EMULATED_TAG = { key: 'vibebox:emulated', value: 'tencent' } as const;

export interface ActionContext {
  cloud: EmulatedCloud;
  /** The caller's SecretId: instances and client tokens are scoped to it, as to an account. */
  owner: string;
  /** X-TC-Region, already checked against the catalog. */
  region: TencentRegion;
  requestId: string;
  notes: Map<string, InstanceNotes>;
}

export type ActionHandler = (body: unknown, ctx: ActionContext) => Record<string, unknown>;

const INSTANCE_ID = /^ins-[a-z0-9]{8}$/;
const MAX_BATCH = 100;

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw fromZodError(result.error, body);
  return result.data;
}

/** Core errors become Tencent ones; everything else propagates (the caller answers InternalError). */
function onCloud<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EmulatorError) throw fromEmulatorError(err);
    throw err;
  }
}

const instanceIds = z.array(z.string()).min(1).max(MAX_BATCH);
const filters = z.array(z.object({ Name: z.string().min(1), Values: z.array(z.string()).min(1) })).optional();

function checkIds(ids: string[], ctx: ActionContext): void {
  const bad = ids.find((id) => !INSTANCE_ID.test(id));
  if (bad !== undefined) throw new TencentApiError('InvalidInstanceId.Malformed', `The instance id \`${bad}\` is malformed.`);
  const known = new Set(ctx.cloud.list({ ids, owner: ctx.owner, region: ctx.region.region }).map((i) => i.id));
  const missing = ids.find((id) => !known.has(id));
  if (missing !== undefined) throw new TencentApiError('InvalidInstanceId.NotFound', `The instance \`${missing}\` does not exist.`);
}

/** Batch verbs check every id first, then act on each; the first refusal answers for the batch. */
function batch(action: string, verb: (cloud: EmulatedCloud, id: string, body: Record<string, unknown>) => void): ActionHandler {
  const schema = z.object({ InstanceIds: instanceIds, StopType: z.enum(['SOFT', 'HARD', 'SOFT_FIRST']).optional(), ForceStop: z.boolean().optional(), ForceReboot: z.boolean().optional() });
  return (body, ctx) => {
    const req = parse(schema, body);
    checkIds(req.InstanceIds, ctx);
    for (const id of req.InstanceIds) {
      onCloud(() => verb(ctx.cloud, id, req));
      const note = ctx.notes.get(id);
      if (note) Object.assign(note, { latestOperation: action, latestOperationRequestId: ctx.requestId });
    }
    return {};
  };
}

/** SOFT_FIRST is graceful here: the emulated shutdown never fails, so the hard fallback never triggers. */
const isHard = (b: Record<string, unknown>) => b.StopType === 'HARD' || b.ForceStop === true || b.ForceReboot === true;

// ---- RunInstances ---------------------------------------------------------------------------

const runSchema = z.object({
  InstanceChargeType: z.enum(['POSTPAID_BY_HOUR', 'PREPAID', 'SPOTPAID']).optional(),
  Placement: z.object({ Zone: z.string().min(1) }),
  InstanceType: z.string().min(1),
  ImageId: z.string().min(1),
  SystemDisk: z.object({ DiskType: z.string().optional(), DiskSize: z.number().int().min(MIN_SYSTEM_DISK_GIB).max(MAX_SYSTEM_DISK_GIB).optional() }).optional(),
  InternetAccessible: z.object({ InternetMaxBandwidthOut: z.number().int().min(0).optional(), PublicIpAssigned: z.boolean().optional() }).optional(),
  InstanceCount: z.number().int().min(1).max(MAX_BATCH).optional(),
  InstanceName: z.string().min(1).max(128).optional(),
  LoginSettings: z.object({ Password: z.string().optional() }).optional(),
  ClientToken: z.string().min(1).max(64).optional(),
  TagSpecification: z.array(z.object({ ResourceType: z.string(), Tags: z.array(z.object({ Key: z.string().min(1), Value: z.string() })) })).optional(),
  DryRun: z.boolean().optional(),
});

/** Tencent's Linux rule: 8–30 characters from at least three of lower, upper, digits, symbols. */
function checkPassword(password: string): void {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[()`~!@#$%^&*\-+=|{}[\]:;'<>,.?/_]/].filter((re) => re.test(password)).length;
  if (password.length < 8 || password.length > 30 || classes < 3) {
    throw new TencentApiError('InvalidPassword', 'The password must be 8 to 30 characters and use at least three of: lower case, upper case, digits, symbols.');
  }
}

const runInstances: ActionHandler = (body, ctx) => {
  const req = parse(runSchema, body);
  const imageIds = new Set(Object.values(IMAGES).map((i) => i.imageId));
  if (!imageIds.has(req.ImageId)) throw new TencentApiError('InvalidImageId.NotFound', `The image \`${req.ImageId}\` does not exist.`);
  const password = req.LoginSettings?.Password;
  if (password !== undefined) checkPassword(password);
  if (req.DryRun) throw new TencentApiError('DryRunOperation', 'The request would have succeeded, but DryRun was set.');
  const tags: Record<string, string> = {};
  for (const spec of req.TagSpecification ?? []) if (spec.ResourceType === 'instance') for (const t of spec.Tags) tags[t.Key] = t.Value;
  tags[EMULATED_TAG.key] = EMULATED_TAG.value;

  const result = onCloud(() =>
    ctx.cloud.create({
      owner: ctx.owner,
      region: ctx.region.region,
      zone: req.Placement.Zone,
      instanceType: req.InstanceType,
      imageId: req.ImageId,
      diskGiB: req.SystemDisk?.DiskSize ?? 50,
      amount: req.InstanceCount ?? 1,
      clientToken: req.ClientToken,
      // No password asked: the real cloud mails a random one; ours is random and unused.
      password: password ?? generatePassword(),
      name: req.InstanceName,
      tags,
    }),
  );
  if (!result.reused) {
    const bandwidthOut = req.InternetAccessible?.InternetMaxBandwidthOut ?? 0;
    for (const id of result.instanceIds) {
      ctx.notes.set(id, {
        diskType: req.SystemDisk?.DiskType ?? 'CLOUD_PREMIUM',
        bandwidthOut,
        publicIp: req.InternetAccessible?.PublicIpAssigned ?? bandwidthOut > 0,
        uuid: randomUUID(),
        latestOperation: 'RunInstances',
        latestOperationRequestId: ctx.requestId,
      });
    }
  }
  return { InstanceIdSet: result.instanceIds };
};

// ---- DescribeInstances ----------------------------------------------------------------------

const describeSchema = z.object({
  InstanceIds: z.array(z.string()).max(MAX_BATCH).optional(),
  Filters: filters,
  Offset: z.number().int().min(0).optional(),
  Limit: z.number().int().min(1).max(MAX_BATCH).optional(),
});

/** Tencent's DescribeInstances filters, as predicates on a core instance. */
function filterPredicate(name: string, values: string[]): ((i: EmulatedInstance) => boolean) | undefined {
  const any = (v: string | undefined) => v !== undefined && values.includes(v);
  if (name.startsWith('tag:')) return (i) => any(i.tags[name.slice(4)]);
  switch (name) {
    case 'instance-id':
      return (i) => any(i.id);
    case 'instance-name':
      return (i) => any(i.name ?? '未命名');
    case 'instance-state':
      return (i) => any(TENCENT_STATE_OF[i.state]);
    case 'instance-type':
      return (i) => any(i.instanceType);
    case 'zone':
      return (i) => any(i.zone);
    case 'instance-charge-type':
      return () => values.includes('POSTPAID_BY_HOUR');
    case 'tag-key':
      return (i) => values.some((k) => k in i.tags);
    default:
      return undefined;
  }
}

const describeInstances: ActionHandler = (body, ctx) => {
  const req = parse(describeSchema, body);
  if (req.InstanceIds?.length && req.Filters?.length) {
    throw new TencentApiError('InvalidParameterCombination', 'InstanceIds and Filters cannot be given together.');
  }
  const bad = req.InstanceIds?.find((id) => !INSTANCE_ID.test(id));
  if (bad !== undefined) throw new TencentApiError('InvalidInstanceId.Malformed', `The instance id \`${bad}\` is malformed.`);
  const base: ListFilter = { owner: ctx.owner, region: ctx.region.region, ...(req.InstanceIds?.length ? { ids: req.InstanceIds } : {}) };
  let found = ctx.cloud.list(base);
  for (const f of req.Filters ?? []) {
    const keep = filterPredicate(f.Name, f.Values);
    if (!keep) throw new TencentApiError('InvalidFilter', `The filter \`${f.Name}\` is not supported.`);
    found = found.filter(keep);
  }
  const offset = req.Offset ?? 0;
  const page = found.slice(offset, offset + (req.Limit ?? 20));
  return { TotalCount: found.length, InstanceSet: page.map((i) => renderInstance(i, ctx.notes.get(i.id))) };
};

// ---- catalog actions -------------------------------------------------------------------------

const describeRegions: ActionHandler = () => ({
  TotalCount: REGIONS.length,
  RegionSet: REGIONS.map((r) => ({ Region: r.region, RegionName: r.regionName, RegionState: 'AVAILABLE' })),
});

const describeZones: ActionHandler = (_body, ctx) => ({
  TotalCount: ctx.region.zones.length,
  ZoneSet: ctx.region.zones.map((z) => ({ Zone: z.zone, ZoneName: z.zoneName, ZoneId: z.zoneId, ZoneState: 'AVAILABLE' })),
});

const CONFIG_FILTERS = ['zone', 'instance-family', 'instance-type', 'instance-charge-type'] as const;

function stockCategory(stock: number): string {
  if (stock <= 0) return 'WithoutStock';
  if (stock < 5) return 'UnderStock';
  if (stock < 50) return 'NormalStock';
  return 'EnoughStock';
}

const describeZoneInstanceConfigInfos: ActionHandler = (body, ctx) => {
  const req = parse(z.object({ Filters: filters }), body);
  const wanted = new Map<string, string[]>();
  for (const f of req.Filters ?? []) {
    if (!(CONFIG_FILTERS as readonly string[]).includes(f.Name)) throw new TencentApiError('InvalidFilter', `The filter \`${f.Name}\` is not supported.`);
    wanted.set(f.Name, f.Values);
  }
  const allows = (name: string, value: string) => !wanted.has(name) || wanted.get(name)!.includes(value);
  const items: Record<string, unknown>[] = [];
  for (const chargeType of ['POSTPAID_BY_HOUR', 'PREPAID'].filter((c) => allows('instance-charge-type', c))) {
    for (const { zone } of ctx.region.zones.filter((z) => allows('zone', z.zone))) {
      for (const t of INSTANCE_TYPES.filter((t) => allows('instance-family', t.family) && allows('instance-type', t.instanceType))) {
        const stock = ctx.cloud.stockOf(ctx.region.region, zone, t.instanceType);
        const price =
          chargeType === 'PREPAID'
            ? { OriginalPrice: t.monthlyCny, DiscountPrice: t.monthlyCny, Discount: 100 }
            : { UnitPrice: hourlyCny(t), ChargeUnit: 'HOUR', UnitPriceDiscount: hourlyCny(t), Discount: 100 };
        items.push({
          Zone: zone,
          InstanceType: t.instanceType,
          InstanceChargeType: chargeType,
          NetworkCard: 0,
          Externals: {},
          Cpu: t.cpu,
          Memory: t.memoryGiB,
          InstanceFamily: t.family,
          TypeName: `Standard ${t.family}`,
          LocalDiskTypeList: [],
          Status: stock > 0 ? 'SELL' : 'SOLD_OUT',
          Price: price,
          SoldOutReason: stock > 0 ? '' : 'Sold out',
          InstanceBandwidth: 1.5,
          InstancePps: 30,
          StorageBlockAmount: 0,
          CpuType: t.family.startsWith('SA') ? 'AMD EPYC' : 'Intel Xeon',
          Gpu: 0,
          Fpga: 0,
          Remark: '',
          GpuCount: 0,
          Frequency: '2.5GHz',
          StatusCategory: stockCategory(stock),
        });
      }
    }
  }
  return { InstanceTypeQuotaSet: items };
};

const inquiryPriceRunInstances: ActionHandler = (body) => {
  const req = parse(z.object({ InstanceType: z.string().min(1), InstanceCount: z.number().int().min(1).max(MAX_BATCH).optional() }), body);
  const t = INSTANCE_TYPES.find((x) => x.instanceType === req.InstanceType);
  if (!t) throw new TencentApiError('InvalidParameterValue.InstanceTypeNotFound', `The instance type \`${req.InstanceType}\` does not exist.`);
  const unit = hourlyCny(t) * (req.InstanceCount ?? 1);
  return {
    Price: {
      InstancePrice: { UnitPrice: unit, ChargeUnit: 'HOUR', UnitPriceDiscount: unit, Discount: 100 },
      BandwidthPrice: { UnitPrice: 0.8, ChargeUnit: 'GB', UnitPriceDiscount: 0.8, Discount: 100 },
    },
  };
};

// ---- the table ------------------------------------------------------------------------------

export const CVM_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  StartInstances: batch('StartInstances', (cloud, id) => cloud.start(id)),
  StopInstances: batch('StopInstances', (cloud, id, b) => cloud.stop(id, { force: isHard(b) })),
  RebootInstances: batch('RebootInstances', (cloud, id, b) => cloud.reboot(id, { force: isHard(b) })),
  // Pay-as-you-go instances terminate from any state, so the core's forced delete is the match.
  TerminateInstances: batch('TerminateInstances', (cloud, id) => cloud.delete(id, { force: true })),
  DescribeRegions: describeRegions,
  DescribeZones: describeZones,
  DescribeZoneInstanceConfigInfos: describeZoneInstanceConfigInfos,
  InquiryPriceRunInstances: inquiryPriceRunInstances,
};

