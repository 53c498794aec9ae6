/**
 * TencentProvider: a VibeBox is a pay-as-you-go CVM instance, driven through the official SDK
 * (`tencentcloud-sdk-nodejs-cvm`, API 2017-03-12). One provider instance serves one region (the
 * pool makes one per region). Contract → API: create = (DescribeZoneInstanceConfigInfos →)
 * RunInstances; info = DescribeInstances; start/stop/restart = Start/Stop/RebootInstances;
 * delete = TerminateInstances; healthCheck = DescribeRegions.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { cvm } from 'tencentcloud-sdk-nodejs-cvm';
import type {
  Instance,
  InstanceTypeQuotaItem,
  RunInstancesRequest,
} from 'tencentcloud-sdk-nodejs-cvm/tencentcloud/services/cvm/v20170312/cvm_models';
import { generatePassword } from '../../lib/passwords';
import { BaseProvider, CallContext } from '../baseProvider';
import { secret } from '../configSchema';
import { ProviderError, isProviderError } from '../errors';
import { Placement, ResourceFilter, ResourceInfo, ResourceSpec, ResourceStatus } from '../types';
import { DEFAULT_IMAGE, DEFAULT_REGION, IMAGES, MAX_SYSTEM_DISK_GIB, MIN_SYSTEM_DISK_GIB, catalogType, defaultZone, hourlyCny } from './catalog';
import { cvmHttpProfile } from './endpoint';
import { toProviderError } from './errors';
import { mapTencentState } from './statusMap';
import { TypeChoice, TypeOffer, anyOfferFits, chooseFromCatalog, chooseInstanceType } from './typeSelection';

const CvmClient = cvm.v20170312.Client;
type CvmClient = InstanceType<typeof CvmClient>;

/** What we buy: hourly pay-as-you-go, so terminate releases at once and nothing is prepaid. */
const CHARGE_TYPE = 'POSTPAID_BY_HOUR';
/** The most instances one DescribeInstances page may carry. */
const LIST_PAGE_SIZE = 100;
/** Tencent's ClientToken limit. */
const MAX_CLIENT_TOKEN = 64;
/** Used when the cloud does not say (DefaultLoginUser/Port are absent on older instances). */
const FALLBACK_SSH_USER = 'root';
const SSH_PORT = 22;

export const tencentConfigSchema = z
  .object({
    /** SecretId. */
    accessKeyId: z.string().min(1),
    /** SecretKey. */
    accessKeySecret: secret(z.string().min(1)),
    region: z.string().min(1).default(DEFAULT_REGION),
    /** Override of the API endpoint: `http://HOST:PORT` (dialled, real host kept) or a host name. */
    endpoint: z.string().min(1).optional(),
    /** Zone to create in; otherwise the cheapest zone with stock. */
    zone: z.string().min(1).optional(),
    /** Image id used for every box, overriding the image-name mapping. */
    imageId: z.string().regex(/^img-/).optional(),
    vpcId: z.string().min(1).optional(),
    subnetId: z.string().min(1).optional(),
    securityGroupId: z.string().min(1).optional(),
    systemDiskType: z.string().min(1).default('CLOUD_PREMIUM'),
    /** Mbit/s of public bandwidth (billed by traffic); 0 gives no public IP. */
    internetMaxBandwidthOut: z.coerce.number().int().min(0).max(200).default(10),
    requestTimeoutSeconds: z.coerce.number().int().min(1).max(300).default(30),
  })
  .refine((s) => (s.vpcId === undefined) === (s.subnetId === undefined), { message: 'vpcId and subnetId go together', path: ['subnetId'] });
type TencentSettings = z.infer<typeof tencentConfigSchema>;

export class TencentProvider extends BaseProvider<typeof tencentConfigSchema> {
  readonly type = 'tencent' as const;
  readonly name = 'TencentProvider';
  protected readonly configSchema = tencentConfigSchema;
  private client!: CvmClient;

  protected async setupClient(settings: TencentSettings): Promise<void> {
    this.client = new CvmClient({
      credential: { secretId: settings.accessKeyId, secretKey: settings.accessKeySecret },
      region: settings.region,
      profile: { httpProfile: cvmHttpProfile(settings.endpoint, settings.requestTimeoutSeconds) },
    });
  }

  protected async performHealthCheck(): Promise<void> {
    await this.call('DescribeRegions', (c) => c.DescribeRegions());
  }

  /** The cheapest sellable type that fits, in the zone that sells it (seed 规格映射). */
  async choosePlacement(spec: ResourceSpec): Promise<Placement> {
    const { choice, zone } = await this.place(spec);
    return { zone, instanceType: choice.instanceType };
  }

  async createResource(spec: ResourceSpec): Promise<ResourceInfo> {
    const image = this.resolveImage(spec.image);
    // A placement chosen earlier (and kept by the caller for its retries) is used as it is.
    const { choice, zone } = await this.place(spec);
    const password = spec.password ?? generatePassword();

    return this.track('createResource', undefined, async (ctx) => {
      const resp = await this.sdk(ctx, 'RunInstances', (c) => c.RunInstances(this.runRequest(spec, choice.instanceType, zone, image.imageId, password)));
      const id = resp.InstanceIdSet?.[0];
      if (!id) throw new ProviderError('Transient', 'tencent RunInstances: answer carried no instance id', { requestId: resp.RequestId });
      ctx.resourceId = id;
      const extra = { price: priceOf(choice) };
      // The cloud's own view (state, addresses, DefaultLoginUser) when it already has one.
      const found = await this.describe(id).catch((err: unknown) => {
        if (isProviderError(err) && (err.kind === 'NotFound' || err.retryable)) return undefined;
        throw err;
      });
      const info = found
        ? this.toInfo(found, extra)
        : {
            id,
            status: ResourceStatus.CREATING,
            sshPort: SSH_PORT,
            sshUser: image.loginUser,
            metadata: { instanceType: choice.instanceType, zone, region: this.settings.region, imageId: image.imageId, tencentState: 'PENDING', ...extra },
            createdAt: new Date(),
          };
      return { ...info, sshPassword: password };
    });
  }

  async getResourceInfo(id: string): Promise<ResourceInfo> {
    return this.track('getResourceInfo', id, async (ctx) => this.toInfo(await this.describe(id, ctx)));
  }

  /** Already running (or on its way) is success. */
  async startResource(id: string): Promise<void> {
    await this.track('startResource', id, (ctx) =>
      this.alreadyThere('start', id, [ResourceStatus.RUNNING, ResourceStatus.STARTING], () =>
        this.sdk(ctx, 'StartInstances', (c) => c.StartInstances({ InstanceIds: [id] })),
      ),
    );
  }

  /** SOFT_FIRST tries a clean shutdown, then forces; HARD forces at once. Already stopped (or, without force, stopping) is success. */
  async stopResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.track(opts.force ? 'forceStopResource' : 'stopResource', id, (ctx) =>
      this.alreadyThere('stop', id, opts.force ? [ResourceStatus.STOPPED] : [ResourceStatus.STOPPED, ResourceStatus.STOPPING], () =>
        this.sdk(ctx, 'StopInstances', (c) => c.StopInstances({ InstanceIds: [id], StopType: opts.force ? 'HARD' : 'SOFT_FIRST' })),
      ),
    );
  }

  /** Only a RUNNING instance reboots; anything else is the cloud's InvalidState code. */
  async restartResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.track('restartResource', id, (ctx) =>
      this.sdk(ctx, 'RebootInstances', (c) => c.RebootInstances({ InstanceIds: [id], StopType: opts.force ? 'HARD' : 'SOFT_FIRST' })),
    );
  }

  /**
   * TerminateInstances releases a pay-as-you-go instance in any state, so `force` needs no
   * stop first. Already gone (or terminating) is success.
   */
  async deleteResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.track(opts.force ? 'forceDeleteResource' : 'deleteResource', id, (ctx) =>
      this.alreadyThere('delete', id, [ResourceStatus.DELETING, ResourceStatus.DELETED], () =>
        this.sdk(ctx, 'TerminateInstances', (c) => c.TerminateInstances({ InstanceIds: [id] })),
      ),
    );
  }

  /** DescribeInstances with one `tag:<key>` filter per tag, 100 a page (the most CVM gives). */
  async listResources(filter: ResourceFilter): Promise<ResourceInfo[]> {
    const Filters = Object.entries(filter.tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
    return this.track('listResources', undefined, async (ctx) => {
      const found: ResourceInfo[] = [];
      for (let Offset = 0; ; Offset += LIST_PAGE_SIZE) {
        const resp = await this.sdk(ctx, 'DescribeInstances', (c) => c.DescribeInstances({ Filters, Offset, Limit: LIST_PAGE_SIZE }));
        const page = resp.InstanceSet ?? [];
        found.push(...page.map((inst) => this.toInfo(inst)));
        if (page.length < LIST_PAGE_SIZE || found.length >= (resp.TotalCount ?? 0)) break;
      }
      return found.filter((r) => r.status !== ResourceStatus.DELETING && r.status !== ResourceStatus.DELETED);
    });
  }

  // ---- spec mapping --------------------------------------------------------------------------

  /** The type and zone to create in: the spec's own when it names them, else chosen from the cloud's offers. */
  private async place(spec: ResourceSpec): Promise<{ choice: TypeChoice; zone: string }> {
    const region = this.settings.region;
    if (spec.region && spec.region !== region) {
      throw new ProviderError('InvalidRequest', `tencent: this provider serves ${region}, not ${spec.region}`);
    }
    const choice = await this.resolveType(spec);
    const zone = choice.zone ?? spec.zone ?? this.settings.zone ?? defaultZone(region);
    if (!zone) throw new ProviderError('InvalidRequest', `tencent: no zone known for region ${region}; set TENCENT_OPTION_ZONE`);
    return { choice, zone };
  }

  private resolveImage(name: string | undefined): { imageId: string; loginUser: string } {
    if (this.settings.imageId) return { imageId: this.settings.imageId, loginUser: FALLBACK_SSH_USER };
    if (name?.startsWith('img-')) return { imageId: name, loginUser: FALLBACK_SSH_USER };
    const image = IMAGES[name ?? DEFAULT_IMAGE];
    if (!image) throw new ProviderError('InvalidRequest', `tencent: unknown image "${name}" (known: ${Object.keys(IMAGES).join(', ')})`);
    return image;
  }

  /**
   * spec.instanceType when given; else the cheapest sellable type that fits, per the cloud;
   * else (the query failed) the catalog's cheapest fitting type. Types that fit but are all sold
   * out are InsufficientStock — so the workflow fails over instead of trying a doomed create.
   */
  private async resolveType(spec: ResourceSpec): Promise<TypeChoice> {
    if (spec.instanceType) {
      const listed = catalogType(spec.instanceType);
      return { instanceType: spec.instanceType, zone: spec.zone, cpu: listed?.cpu ?? spec.cpu, memoryGiB: listed?.memoryGiB ?? spec.memory, cnyPerHour: listed && hourlyCny(listed), priceSource: listed && 'catalog' };
    }
    const need = { cpu: spec.cpu, memory: spec.memory };
    const zone = spec.zone ?? this.settings.zone;
    let offers: TypeOffer[];
    let requestId: string | undefined;
    try {
      ({ offers, requestId } = await this.queryOffers(zone));
    } catch (err) {
      const fallback = chooseFromCatalog(need);
      this.log.warn('instance type query failed; using the catalog', { kind: isProviderError(err) ? err.kind : undefined, fallback: fallback?.instanceType });
      if (!fallback) throw new ProviderError('InvalidRequest', `tencent: no catalog type has ${need.cpu} CPU / ${need.memory} GiB`);
      return { ...fallback, zone };
    }
    const best = chooseInstanceType(offers, need);
    if (best) return best;
    if (anyOfferFits(offers, need)) {
      throw new ProviderError('InsufficientStock', `tencent: every type with ${need.cpu} CPU / ${need.memory} GiB is sold out in ${zone ?? this.settings.region}`, {
        code: 'AllFittingTypesSoldOut', // ours: the cloud's answer was a SOLD_OUT listing, not an error
        requestId,
      });
    }
    throw new ProviderError('InvalidRequest', `tencent: no instance type with ${need.cpu} CPU / ${need.memory} GiB in ${zone ?? this.settings.region}`, { requestId });
  }

  private async queryOffers(zone: string | undefined): Promise<{ offers: TypeOffer[]; requestId?: string }> {
    return this.track('describeInstanceTypes', undefined, async (ctx) => {
      const filters = [{ Name: 'instance-charge-type', Values: [CHARGE_TYPE] }, ...(zone ? [{ Name: 'zone', Values: [zone] }] : [])];
      const resp = await this.sdk(ctx, 'DescribeZoneInstanceConfigInfos', (c) => c.DescribeZoneInstanceConfigInfos({ Filters: filters }));
      return { offers: (resp.InstanceTypeQuotaSet ?? []).flatMap(toOffer), requestId: resp.RequestId };
    });
  }

  private runRequest(spec: ResourceSpec, instanceType: string, zone: string, imageId: string, password: string): RunInstancesRequest {
    const s = this.settings;
    const tags = Object.entries(spec.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    return {
      InstanceChargeType: CHARGE_TYPE,
      Placement: { Zone: zone },
      InstanceType: instanceType,
      ImageId: imageId,
      SystemDisk: { DiskType: s.systemDiskType, DiskSize: Math.min(MAX_SYSTEM_DISK_GIB, Math.max(MIN_SYSTEM_DISK_GIB, Math.ceil(spec.disk))) },
      ...(s.vpcId && s.subnetId ? { VirtualPrivateCloud: { VpcId: s.vpcId, SubnetId: s.subnetId } } : {}),
      InternetAccessible: {
        InternetChargeType: 'TRAFFIC_POSTPAID_BY_HOUR',
        InternetMaxBandwidthOut: s.internetMaxBandwidthOut,
        PublicIpAssigned: s.internetMaxBandwidthOut > 0,
      },
      InstanceCount: 1,
      ...(spec.name ? { InstanceName: spec.name.slice(0, 128) } : {}),
      LoginSettings: { Password: password },
      ...(s.securityGroupId ? { SecurityGroupIds: [s.securityGroupId] } : {}),
      ...(spec.clientToken ? { ClientToken: clientToken(spec.clientToken) } : {}),
      ...(tags.length ? { TagSpecification: [{ ResourceType: 'instance', Tags: tags }] } : {}),
    };
  }

  // ---- reading instances ---------------------------------------------------------------------

  /** DescribeInstances by id; an empty answer is NotFound (Tencent does not error on unknown ids). */
  private async describe(id: string, ctx?: CallContext): Promise<Instance> {
    const resp = await this.sdk(ctx, 'DescribeInstances', (c) => c.DescribeInstances({ InstanceIds: [id] }));
    const inst = resp.InstanceSet?.[0];
    if (!inst) throw new ProviderError('NotFound', `tencent: instance ${id} not found`, { requestId: resp.RequestId });
    return inst;
  }

  private toInfo(inst: Instance, extra: Record<string, unknown> = {}): ResourceInfo {
    const tags = Object.fromEntries((inst.Tags ?? []).map((t) => [t.Key, t.Value]));
    return {
      id: inst.InstanceId ?? '',
      status: mapTencentState(inst.InstanceState),
      ipAddress: inst.PublicIpAddresses?.[0] ?? inst.PrivateIpAddresses?.[0],
      privateIp: inst.PrivateIpAddresses?.[0],
      sshPort: inst.DefaultLoginPort || SSH_PORT,
      sshUser: inst.DefaultLoginUser || FALLBACK_SSH_USER,
      metadata: {
        instanceType: inst.InstanceType,
        zone: inst.Placement?.Zone,
        region: this.settings.region,
        imageId: inst.ImageId,
        cpu: inst.CPU,
        memoryGiB: inst.Memory,
        instanceName: inst.InstanceName,
        tencentState: inst.InstanceState,
        latestOperation: inst.LatestOperation ?? undefined,
        latestOperationState: inst.LatestOperationState ?? undefined,
        tags,
        ...extra,
      },
      createdAt: inst.CreatedTime ? new Date(inst.CreatedTime) : new Date(),
    };
  }

  // ---- calling the SDK -----------------------------------------------------------------------

  /** One SDK call: the cloud's RequestId onto the call context, any failure mapped to ProviderError. */
  private async sdk<T extends { RequestId?: string }>(ctx: CallContext | undefined, action: string, fn: (c: CvmClient) => Promise<T>): Promise<T> {
    try {
      const resp = await fn(this.client);
      if (ctx) ctx.providerRequestId = resp.RequestId;
      return resp;
    } catch (err) {
      throw toProviderError(err, action);
    }
  }

  /** A tracked call of its own, for actions the contract does not name (the health probe). */
  private async call<T extends { RequestId?: string }>(action: string, fn: (c: CvmClient) => Promise<T>): Promise<T> {
    return this.track(action, undefined, (ctx) => this.sdk(ctx, action, fn));
  }
}

/** ≤64 chars; a longer token becomes its head plus a hash of the whole, so it stays deterministic and unique. */
export function clientToken(token: string): string {
  if (token.length <= MAX_CLIENT_TOKEN) return token;
  return `${token.slice(0, 31)}-${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
}

function toOffer(item: InstanceTypeQuotaItem): TypeOffer[] {
  if (!item.Zone || !item.InstanceType || item.Cpu === undefined || item.Memory === undefined) return [];
  // UnitPrice is the pay-as-you-go hourly price; a 0/absent one means "not quoted".
  const unit = item.Price?.UnitPriceDiscount || item.Price?.UnitPrice || undefined;
  return [{ zone: item.Zone, instanceType: item.InstanceType, cpu: item.Cpu, memoryGiB: item.Memory, status: item.Status, statusCategory: item.StatusCategory, cnyPerHour: unit }];
}

function priceOf(choice: TypeChoice): { cnyPerHour: number; source: string } | undefined {
  return choice.cnyPerHour !== undefined ? { cnyPerHour: choice.cnyPerHour, source: choice.priceSource ?? 'catalog' } : undefined;
}
