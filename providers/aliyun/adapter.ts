/**
 * AliyunProvider: a VibeBox is a pay-as-you-go ECS instance, driven through the official SDK
 * (`@alicloud/ecs20140526`, ACS3-HMAC-SHA256 signing). Every SDK call goes through `call()`,
 * which tracks it for the audit log (with the cloud's RequestId) and maps the cloud's error
 * codes to ProviderError kinds (errors.ts).
 */
import Ecs, {
  DeleteInstanceRequest,
  DescribeAvailableResourceRequest,
  DescribeInstanceTypesRequest,
  DescribeInstancesRequest,
  DescribeInstancesRequestTag,
  DescribeInstancesResponseBodyInstancesInstance,
  DescribeRegionsRequest,
  RebootInstanceRequest,
  RunInstancesRequest,
  RunInstancesRequestSystemDisk,
  RunInstancesRequestTag,
  StartInstanceRequest,
  StopInstanceRequest,
} from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { z } from 'zod';
import { generatePassword } from '../../lib/passwords';
import { BaseProvider } from '../baseProvider';
import { secret } from '../configSchema';
import { ProviderError, isProviderError } from '../errors';
import { Placement, ResourceFilter, ResourceInfo, ResourceSpec, ResourceStatus } from '../types';
import { DEFAULT_REGION, catalogType, mapImage, regionEndpoint } from './catalog';
import { mapAliyunError } from './errors';
import { ChosenInstanceType, InstanceTypeOffer, chooseFromCatalog, chooseInstanceType } from './typeSelection';
import { mapAliyunStatus } from './statusMap';

export const aliyunConfigSchema = z.object({
  accessKeyId: z.string().min(1),
  accessKeySecret: secret(z.string().min(1)),
  region: z.string().min(1).default(DEFAULT_REGION),
  /** `host[:port]`, no scheme (the SDK's form); default `ecs.<region>.aliyuncs.com`. */
  endpoint: z
    .string()
    .regex(/^[^/:\s]+(:\d+)?$/, 'host[:port] without a scheme')
    .optional(),
  protocol: z.enum(['https', 'http']).default('https'),
  /** Zone to create in when the caller names none; unset lets ECS pick one with stock. */
  zoneId: z.string().min(1).optional(),
  securityGroupId: z.string().min(1).optional(),
  vSwitchId: z.string().min(1).optional(),
  /** Image id used when the spec names no image (default: the catalog's Ubuntu 22.04). */
  imageId: z.string().min(1).optional(),
  /** Mbit/s; above 0 is what gives the instance a public IP, which SSH needs. */
  internetMaxBandwidthOut: z.coerce.number().int().min(0).max(100).default(5),
  systemDiskCategory: z.string().min(1).default('cloud_essd'),
  /** StopCharging saves money while stopped, but the next start can then fail for lack of stock. */
  stoppedMode: z.enum(['KeepCharging', 'StopCharging']).default('KeepCharging'),
  connectTimeoutMs: z.coerce.number().int().positive().default(5_000),
  readTimeoutMs: z.coerce.number().int().positive().default(30_000),
});
export type AliyunSettings = z.infer<typeof aliyunConfigSchema>;

type Instance = DescribeInstancesResponseBodyInstancesInstance;

/** The most instances one DescribeInstances page may carry. */
const LIST_PAGE_SIZE = 100;

export class AliyunProvider extends BaseProvider<typeof aliyunConfigSchema> {
  readonly type = 'aliyun' as const;
  readonly name = 'AliyunProvider';
  protected readonly configSchema = aliyunConfigSchema;
  private client!: Ecs;

  protected async setupClient(settings: AliyunSettings): Promise<void> {
    this.client = new Ecs(
      new $OpenApiUtil.Config({
        accessKeyId: settings.accessKeyId,
        accessKeySecret: settings.accessKeySecret,
        regionId: settings.region,
        endpoint: settings.endpoint ?? regionEndpoint(settings.region),
        protocol: settings.protocol,
        connectTimeout: settings.connectTimeoutMs,
        readTimeout: settings.readTimeoutMs,
      }),
    );
  }

  protected async performHealthCheck(): Promise<void> {
    await this.call('DescribeRegions', undefined, (c) => c.describeRegions(new DescribeRegionsRequest({})));
  }

  /**
   * The cheapest type with stock (seed 规格映射) and a zone that has it — the configured zone when
   * there is one; none when the type came from the catalog (ECS then picks a zone with stock).
   */
  async choosePlacement(spec: ResourceSpec): Promise<Placement> {
    const { zoneId, type } = await this.place(spec);
    return { zone: zoneId, instanceType: type.instanceType };
  }

  async createResource(spec: ResourceSpec): Promise<ResourceInfo> {
    const regionId = this.servedRegion(spec);
    const imageId = mapImage(spec.image, this.settings.imageId);
    if (!imageId) throw new ProviderError('InvalidRequest', `aliyun: unknown image "${spec.image}"`, { code: 'UnknownImage' });
    // A placement chosen earlier (and kept by the caller for its retries) is used as it is.
    const { zoneId, type } = await this.place(spec);
    const password = spec.password ?? generatePassword();

    const request = new RunInstancesRequest({
      regionId,
      zoneId,
      imageId,
      instanceType: type.instanceType,
      amount: 1,
      // Same token, same instance: a retried create after a lost answer makes nothing new.
      clientToken: spec.clientToken,
      password,
      instanceName: spec.name && instanceName(spec.name),
      instanceChargeType: 'PostPaid',
      internetChargeType: 'PayByTraffic',
      internetMaxBandwidthOut: this.settings.internetMaxBandwidthOut,
      securityGroupId: this.settings.securityGroupId,
      vSwitchId: this.settings.vSwitchId,
      systemDisk: new RunInstancesRequestSystemDisk({ size: String(spec.disk), category: this.settings.systemDiskCategory }),
      tag: Object.entries(spec.tags ?? {}).map(([key, value]) => new RunInstancesRequestTag({ key, value })),
    });
    const resp = await this.call('RunInstances', undefined, (c) => c.runInstances(request));
    const id = resp.body?.instanceIdSets?.instanceIdSet?.[0];
    if (!id) {
      throw new ProviderError('Transient', 'aliyun RunInstances: answer carried no instance id', { requestId: resp.body?.requestId });
    }
    return {
      id,
      status: ResourceStatus.CREATING,
      sshPort: 22,
      sshUser: 'root',
      sshPassword: password,
      metadata: {
        instanceType: type.instanceType,
        instanceTypeSource: type.source,
        zoneId,
        regionId,
        imageId,
        price: type.priceCnyPerMonth === undefined ? undefined : { amount: type.priceCnyPerMonth, currency: 'CNY', per: 'month' },
        aliyunStatus: 'Pending',
        tags: { ...spec.tags },
      },
      createdAt: new Date(),
    };
  }

  async getResourceInfo(id: string): Promise<ResourceInfo> {
    return toResourceInfo(await this.describe(id));
  }

  /** Starting a running (or starting) instance is success: ECS answers IncorrectInstanceStatus, we check. */
  async startResource(id: string): Promise<void> {
    await this.alreadyThere('start', id, [ResourceStatus.RUNNING, ResourceStatus.STARTING], () =>
      this.call('StartInstance', id, (c) => c.startInstance(new StartInstanceRequest({ instanceId: id }))),
    );
  }

  /** Stopping a stopped instance is success; so is a graceful stop of one already stopping. */
  async stopResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const request = new StopInstanceRequest({ instanceId: id, forceStop: Boolean(opts.force), stoppedMode: this.settings.stoppedMode });
    await this.alreadyThere('stop', id, opts.force ? [ResourceStatus.STOPPED] : [ResourceStatus.STOPPED, ResourceStatus.STOPPING], () =>
      this.call('StopInstance', id, (c) => c.stopInstance(request)),
    );
  }

  /** ECS reboots only a Running instance; anything else is its IncorrectInstanceStatus → InvalidState. */
  async restartResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.call('RebootInstance', id, (c) => c.rebootInstance(new RebootInstanceRequest({ instanceId: id, forceStop: Boolean(opts.force) })));
  }

  /** Without force ECS deletes only a Stopped instance; force deletes a running one. Gone is success. */
  async deleteResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.alreadyThere('delete', id, [ResourceStatus.DELETED], () =>
      this.call('DeleteInstance', id, (c) => c.deleteInstance(new DeleteInstanceRequest({ instanceId: id, force: Boolean(opts.force) }))),
    );
  }

  /** DescribeInstances filtered by tag (`Tag.N.Key/Value`), page by page (100 a page, the most ECS gives). */
  async listResources(filter: ResourceFilter): Promise<ResourceInfo[]> {
    const tag = Object.entries(filter.tags).map(([key, value]) => new DescribeInstancesRequestTag({ key, value }));
    const found: ResourceInfo[] = [];
    for (let pageNumber = 1; ; pageNumber++) {
      const resp = await this.call('DescribeInstances', undefined, (c) =>
        c.describeInstances(new DescribeInstancesRequest({ regionId: this.settings.region, tag, pageNumber, pageSize: LIST_PAGE_SIZE })),
      );
      const page = resp.body?.instances?.instance ?? [];
      found.push(...page.map(toResourceInfo));
      if (page.length < LIST_PAGE_SIZE || found.length >= (resp.body?.totalCount ?? 0)) break;
    }
    return found.filter((r) => r.status !== ResourceStatus.DELETING && r.status !== ResourceStatus.DELETED);
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The spec's own zone and type when it names them; otherwise chosen here. */
  private async place(spec: ResourceSpec): Promise<{ zoneId?: string; type: ChosenInstanceType }> {
    const regionId = this.servedRegion(spec);
    const zoneId = spec.zone ?? this.settings.zoneId;
    if (spec.instanceType) return { zoneId, type: given(spec.instanceType, spec) };
    const type = await this.resolveType(regionId, zoneId, { cpu: spec.cpu, memory: spec.memory });
    return { zoneId: zoneId ?? type.zones?.[0], type };
  }

  /**
   * Every later call (describe, stop, delete…) goes to this provider's region; an instance made
   * elsewhere would be unreachable. The pool keeps one provider per region for this reason.
   */
  private servedRegion(spec: ResourceSpec): string {
    const regionId = this.settings.region;
    if (spec.region && spec.region !== regionId) {
      throw new ProviderError('InvalidRequest', `aliyun: this provider serves ${regionId}, not ${spec.region}`, { code: 'RegionMismatch' });
    }
    return regionId;
  }

  /** One SDK call: tracked for the audit log with the cloud's RequestId, errors mapped to kinds. */
  private call<T extends { body?: { requestId?: string } }>(action: string, resourceId: string | undefined, send: (client: Ecs) => Promise<T>): Promise<T> {
    return this.track(action, resourceId, async (ctx) => {
      try {
        const resp = await send(this.client);
        ctx.providerRequestId = resp.body?.requestId;
        return resp;
      } catch (err) {
        throw mapAliyunError(err, action);
      }
    });
  }

  private async describe(id: string): Promise<Instance> {
    const resp = await this.call('DescribeInstances', id, (c) =>
      c.describeInstances(new DescribeInstancesRequest({ regionId: this.settings.region, instanceIds: JSON.stringify([id]) })),
    );
    const inst = resp.body?.instances?.instance?.find((i) => i.instanceId === id);
    if (!inst) {
      throw new ProviderError('NotFound', `aliyun: instance ${id} does not exist in ${this.settings.region}`, {
        code: 'InvalidInstanceId.NotFound',
        requestId: resp.body?.requestId,
      });
    }
    return inst;
  }

  /**
   * Seed 规格映射: ask ECS which types have stock (DescribeAvailableResource) and what they are
   * (DescribeInstanceTypes), then take the cheapest that fits by catalog price. If asking fails,
   * fall back to the catalog alone; if ECS answers that nothing fits or has stock, that is the answer.
   */
  private async resolveType(regionId: string, zoneId: string | undefined, need: { cpu: number; memory: number }): Promise<ChosenInstanceType & { zones?: string[] }> {
    let offers: { offers: InstanceTypeOffer[]; zonesOf: Map<string, string[]>; requestId?: string } | undefined;
    try {
      offers = await this.offeredTypes(regionId, zoneId);
    } catch (err) {
      if (!isProviderError(err)) throw err;
      this.log.warn('instance type query failed; choosing from the catalog', { kind: err.kind, code: err.code, regionId });
      const fallback = chooseFromCatalog(need);
      if (!fallback) throw new ProviderError('InvalidRequest', `aliyun: no catalog instance type has ${need.cpu} vCPU and ${need.memory} GiB`);
      return fallback;
    }
    const chosen = chooseInstanceType(offers.offers, need);
    if (!chosen) {
      throw new ProviderError(
        'InsufficientStock',
        `aliyun: no instance type with ${need.cpu} vCPU and ${need.memory} GiB has stock in ${zoneId ?? regionId}`,
        { code: 'NoAvailableInstanceType', requestId: offers.requestId },
      );
    }
    return { ...chosen, zones: offers.zonesOf.get(chosen.instanceType) };
  }

  /** Types in stock (with the zones that have each, sorted) and their sizes. */
  private async offeredTypes(regionId: string, zoneId: string | undefined): Promise<{ offers: InstanceTypeOffer[]; zonesOf: Map<string, string[]>; requestId?: string }> {
    const available = await this.call('DescribeAvailableResource', undefined, (c) =>
      c.describeAvailableResource(
        new DescribeAvailableResourceRequest({
          regionId,
          zoneId,
          destinationResource: 'InstanceType',
          resourceType: 'instance',
          instanceChargeType: 'PostPaid',
        }),
      ),
    );
    const zonesOf = new Map<string, string[]>();
    for (const zone of available.body?.availableZones?.availableZone ?? []) {
      if (zone.status !== 'Available' || !zone.zoneId) continue;
      for (const res of zone.availableResources?.availableResource ?? []) {
        if (res.type !== 'InstanceType') continue;
        for (const r of res.supportedResources?.supportedResource ?? []) {
          if (r.value && r.status === 'Available') zonesOf.set(r.value, [...(zonesOf.get(r.value) ?? []), zone.zoneId].sort());
        }
      }
    }
    const inStock = new Set(zonesOf.keys());
    const requestId = available.body?.requestId;
    if (inStock.size === 0) return { offers: [], zonesOf, requestId };
    const types = await this.call('DescribeInstanceTypes', undefined, (c) =>
      c.describeInstanceTypes(new DescribeInstanceTypesRequest({ instanceTypes: [...inStock] })),
    );
    const offers = (types.body?.instanceTypes?.instanceType ?? []).flatMap((t) =>
      t.instanceTypeId && inStock.has(t.instanceTypeId) && t.cpuCoreCount !== undefined && t.memorySize !== undefined
        ? [{ instanceType: t.instanceTypeId, cpu: t.cpuCoreCount, memoryGiB: t.memorySize }]
        : [],
    );
    return { offers, zonesOf, requestId };
  }
}

/** A type the caller chose (selection already did the matching); the catalog adds its price if it knows it. */
function given(instanceType: string, need: { cpu: number; memory: number }): ChosenInstanceType {
  const known = catalogType(instanceType);
  return { instanceType, cpu: known?.cpu ?? need.cpu, memoryGiB: known?.memoryGiB ?? need.memory, priceCnyPerMonth: known?.priceCnyPerMonth, source: 'given' };
}

/** ECS names: 2–128 chars, starting with a letter; letters, digits, `.`, `_`, `-`, `:`. */
function instanceName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9._:-]/g, '-').slice(0, 128);
  return /^[a-zA-Z]/.test(cleaned) ? cleaned.padEnd(2, '-') : `vb-${cleaned}`.slice(0, 128);
}

function toResourceInfo(inst: Instance): ResourceInfo {
  const privateIp = inst.vpcAttributes?.privateIpAddress?.ipAddress?.[0] || inst.innerIpAddress?.ipAddress?.[0] || undefined;
  const publicIp = inst.publicIpAddress?.ipAddress?.[0] || inst.eipAddress?.ipAddress || undefined;
  const tags = Object.fromEntries((inst.tags?.tag ?? []).flatMap((t) => (t.tagKey ? [[t.tagKey, t.tagValue ?? '']] : [])));
  const price = inst.instanceType ? catalogType(inst.instanceType)?.priceCnyPerMonth : undefined;
  return {
    id: inst.instanceId ?? '',
    status: mapAliyunStatus(inst.status),
    ipAddress: publicIp ?? privateIp,
    privateIp,
    sshPort: 22,
    sshUser: 'root',
    metadata: {
      instanceType: inst.instanceType,
      zoneId: inst.zoneId,
      regionId: inst.regionId,
      imageId: inst.imageId,
      instanceName: inst.instanceName,
      cpu: inst.cpu,
      memoryMiB: inst.memory,
      price: price === undefined ? undefined : { amount: price, currency: 'CNY', per: 'month' },
      aliyunStatus: inst.status,
      tags,
    },
    createdAt: inst.creationTime ? new Date(inst.creationTime) : new Date(0),
  };
}
