/**
 * ChinaMobileProvider: VibeBoxes on China Mobile ECloud (移动云) ECS, through the small signed
 * client in client.ts. Every wire detail lives in wire.ts; this file is the contract's logic:
 *
 * - create: find-by-tag first (ECloud has no client token), pick the cheapest available spec,
 *   create (which answers with an ORDER id), then resolve the order to the instance by its
 *   reference tag — bounded polling, since the instance shows up in listings a little later;
 * - batch start/stop/reboot/delete: a refusal for our instance says why only in free text, so
 *   the instance's own status decides whether it was "already there" (success) or InvalidState;
 * - resource ids are ECloud instance ids; an instance outside the configured region gets the id
 *   `<region>/<instanceId>`, so every later call knows which regional endpoint to ask.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { generatePassword } from '../../lib/passwords';
import { BaseProvider } from '../baseProvider';
import { secret } from '../configSchema';
import { ProviderError, isProviderError } from '../errors';
import { CreateOptions, Placement, ResourceFilter, ResourceInfo, ResourceSpec, ResourceStatus } from '../types';
import { DEFAULT_REGION, defaultEndpoint, mapImageName } from './catalog';
import { CallOptions, EcloudClient, EcloudResponse } from './client';
import { SIGNATURE_METHODS } from './signature';
import { isGone, mapEcloudStatus } from './statusMap';
import { chooseFromCatalog, chooseInstanceType, OfferedSpec } from './typeSelection';
import {
  DESCRIBE_PAGE_SIZE,
  ORDER_ID_FIELD,
  OperationName,
  WireInstance,
  buildCreateBody,
  buildDescribeBody,
  isRecord,
  listItems,
  readAddresses,
  readBatchResult,
  readFlavor,
  readInstance,
  wrapBody,
} from './wire';

const csv = z.union([z.array(z.string()), z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))]);

export const chinaMobileConfigSchema = z.object({
  accessKeyId: z.string().min(1),
  accessKeySecret: secret(z.string().min(1)),
  /** Resource pool id, e.g. CIDC-RP-25 (华东-苏州); see docs/providers/chinamobile.md. */
  region: z.string().min(1).default(DEFAULT_REGION),
  /** Override of https://<regional api host>:8443 — private endpoints and the emulator. */
  endpoint: z.url().optional(),
  zone: z.string().min(1).optional(),
  /** Image for boxes whose spec names none (a short name from the catalog or an ECloud image name). */
  imageName: z.string().min(1).optional(),
  networkId: z.string().min(1).optional(),
  securityGroupIds: csv.optional(),
  billingType: z.enum(['HOUR', 'MONTH', 'YEAR']).default('HOUR'),
  bootVolumeType: z.string().min(1).default('performanceOptimization'),
  signatureMethod: z.enum(SIGNATURE_METHODS).default('HmacSHA1'),
  requestTimeoutMs: z.coerce.number().int().positive().default(30_000),
  /**
   * How long create waits for its order to show up as an instance when the caller gives no bound
   * (direct use); the platform passes its create policy's budget (CreateOptions.timeoutMs).
   */
  orderResolveTimeoutMs: z.coerce.number().int().positive().default(120_000),
});
type ChinaMobileSettings = z.infer<typeof chinaMobileConfigSchema>;

/** Tag carrying a hash of the client token: what find-by-tag and order resolution look for. */
export const TAG_REFERENCE = 'vibebox-ref';
const MAX_DESCRIBE_PAGES = 20;
/** A listing of the whole fleet may be long: 10 000 instances at 50 a page. */
const MAX_LIST_PAGES = 200;
const DEFAULT_DISK_GIB = 40;

export class ChinaMobileProvider extends BaseProvider<typeof chinaMobileConfigSchema> {
  readonly type = 'chinamobile' as const;
  readonly name = 'ChinaMobileProvider';
  protected readonly configSchema = chinaMobileConfigSchema;
  private client!: EcloudClient;

  protected async setupClient(s: ChinaMobileSettings): Promise<void> {
    this.client = new EcloudClient({
      accessKeyId: s.accessKeyId,
      accessKeySecret: s.accessKeySecret,
      endpointFor: (region) => s.endpoint ?? defaultEndpoint(region),
      signatureMethod: s.signatureMethod,
      timeoutMs: s.requestTimeoutMs,
    });
  }

  protected async performHealthCheck(): Promise<void> {
    await this.cloudCall('healthCheck', 'DescribeRegions', undefined, { region: this.settings.region });
  }

  /** The cheapest spec on offer that fits (seed 规格映射), in the configured zone if any. */
  async choosePlacement(spec: ResourceSpec): Promise<Placement> {
    const { zone, specsName } = await this.place(spec, spec.region ?? this.settings.region);
    return { zone, instanceType: specsName };
  }

  async createResource(spec: ResourceSpec, opts: CreateOptions = {}): Promise<ResourceInfo> {
    // The caller's bound (the workflow's create policy) when given; the setting for direct use.
    const orderDeadline = Date.now() + (opts.timeoutMs ?? this.settings.orderResolveTimeoutMs);
    const region = spec.region ?? this.settings.region;
    const reference = referenceOf(spec.clientToken);
    if (spec.clientToken) {
      const existing = await this.findByReference(region, reference);
      // Same token: the create already happened. Its password is only known if the caller passed it.
      if (existing) return this.toInfo(existing, region, { sshPassword: spec.password, passwordKnown: spec.password !== undefined });
    }
    // A placement chosen earlier (and kept by the caller for its retries) is used as it is.
    const { zone, specsName } = await this.place(spec, region);
    const password = spec.password ?? generatePassword();
    const created = await this.cloudCall('createResource', 'CreateInstances', undefined, {
      region,
      body: wrapBody(
        'CreateInstances',
        buildCreateBody({
          name: instanceName(spec, reference),
          specsName,
          imageName: mapImageName(spec.image ?? this.settings.imageName),
          zone,
          diskGiB: spec.disk || DEFAULT_DISK_GIB,
          bootVolumeType: this.settings.bootVolumeType,
          password,
          billingType: this.settings.billingType,
          networkId: this.settings.networkId,
          securityGroupIds: this.settings.securityGroupIds,
          tags: { ...spec.tags, [TAG_REFERENCE]: reference },
        }),
      ),
    });
    const orderId = isRecord(created.body) ? String(created.body[ORDER_ID_FIELD] ?? '') : '';
    const instance = await this.resolveOrder(region, reference, orderId, orderDeadline);
    return this.toInfo(instance, region, { sshPassword: password, passwordKnown: true, orderId });
  }

  async getResourceInfo(id: string): Promise<ResourceInfo> {
    const { region } = parseResourceId(id, this.settings.region);
    return this.toInfo(await this.describeOne('getResourceInfo', id), region);
  }

  async startResource(id: string): Promise<void> {
    await this.alreadyThere('start', id, [ResourceStatus.RUNNING, ResourceStatus.STARTING], () => this.batch('startResource', 'BatchStartInstances', id));
  }

  /**
   * The v4 batch-stop has no force flag that we know of, so a forced stop sends the same call;
   * what force buys here is only that an instance already STOPPING counts as success (the
   * graceful stop is under way). See docs/providers/chinamobile.md.
   */
  async stopResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.alreadyThere('stop', id, [ResourceStatus.STOPPED, ResourceStatus.STOPPING], () =>
      this.batch(opts.force ? 'forceStopResource' : 'stopResource', 'BatchStopInstances', id),
    );
  }

  /**
   * Reboot of anything but a RUNNING instance is InvalidState; of a gone one, NotFound (the
   * refusal does not say which, so alreadyThere reads the instance). No hard-reboot flag is
   * known: force changes nothing on the wire.
   */
  async restartResource(id: string): Promise<void> {
    await this.alreadyThere('restart', id, [], () => this.batch('restartResource', 'BatchRebootInstances', id));
  }

  /** ECloud releases an instance in any state (assumed), so force changes nothing on the wire. Gone is success. */
  async deleteResource(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const extra = { deletePublicNetwork: true, deleteDataVolumes: true, dryRun: false };
    await this.alreadyThere('delete', id, [ResourceStatus.DELETING, ResourceStatus.DELETED], () =>
      this.batch(opts.force ? 'forceDeleteResource' : 'deleteResource', 'DeleteInstances', id, extra),
    );
  }

  /** describe-instances filtered by tags, page by page; addresses are not read (one more call per instance). */
  async listResources(filter: ResourceFilter): Promise<ResourceInfo[]> {
    const region = this.settings.region;
    const found = await this.instancesTagged('listResources', region, filter.tags, MAX_LIST_PAGES);
    return Promise.all(found.map((i) => this.toInfo(i, region, { withAddresses: false })));
  }

  // ---- cloud calls ------------------------------------------------------------------------------

  /** One tracked cloud call: one audit record carrying the cloud's request id. */
  private cloudCall(operation: string, op: OperationName, resourceId: string | undefined, options: CallOptions): Promise<EcloudResponse> {
    return this.track(`${operation}:${op}`, resourceId, async (ctx) => {
      const res = await this.client.operation(op, options);
      ctx.providerRequestId = res.requestId;
      return res;
    });
  }

  /**
   * Sends a one-instance batch. ECloud answers a refused instance inside a 200 (`result: false`,
   * a message, no code), so a refusal is InvalidState here; alreadyThere then reads the instance
   * to tell "already there" and "gone" from a real refusal.
   */
  private async batch(operation: string, op: OperationName, id: string, extra: Record<string, unknown> = {}): Promise<void> {
    const { region, instanceId } = parseResourceId(id, this.settings.region);
    const res = await this.cloudCall(operation, op, id, { region, body: wrapBody(op, { instanceIds: [instanceId], ...extra }) });
    const item = readBatchResult(res.body, instanceId);
    if (item && !item.result) {
      throw new ProviderError('InvalidState', `chinamobile ${operation}: ${id} refused (${item.message || 'no reason given'})`, {
        code: 'BatchRefused',
        requestId: res.requestId,
      });
    }
  }

  private async describeOne(operation: string, id: string): Promise<WireInstance> {
    const { region, instanceId } = parseResourceId(id, this.settings.region);
    const res = await this.cloudCall(operation, 'DescribeInstances', id, {
      region,
      body: buildDescribeBody({ instanceId, page: 1, pageSize: DESCRIBE_PAGE_SIZE }),
    });
    const found = listItems(res.body).map(readInstance).find((i) => i?.instanceId === instanceId);
    if (!found || isGone(mapEcloudStatus(...statusOf(found)))) {
      throw new ProviderError('NotFound', `chinamobile: instance ${id} does not exist`, { code: 'InstanceNotFound', requestId: res.requestId });
    }
    return found;
  }

  /** The live (not deleting, not gone) instance carrying our reference tag. */
  private async findByReference(region: string, reference: string): Promise<WireInstance | undefined> {
    return (await this.instancesTagged('createResource', region, { [TAG_REFERENCE]: reference }, MAX_DESCRIBE_PAGES))[0];
  }

  /** Live instances carrying every one of `tags`, oldest first, reading at most `maxPages` pages. */
  private async instancesTagged(operation: string, region: string, tags: Record<string, string>, maxPages: number): Promise<WireInstance[]> {
    const found: WireInstance[] = [];
    for (let page = 1; page <= maxPages; page++) {
      const res = await this.cloudCall(operation, 'DescribeInstances', undefined, {
        region,
        body: buildDescribeBody({ tags, page, pageSize: DESCRIBE_PAGE_SIZE }),
      });
      const items = listItems(res.body);
      // Filter here too: a gateway that ignores an unknown filter must not hand us someone else's box.
      for (const i of items.map(readInstance)) {
        if (i && Object.entries(tags).every(([k, v]) => i.tags[k] === v) && !isDeletingOrGone(i)) found.push(i);
      }
      if (items.length < DESCRIBE_PAGE_SIZE) break;
    }
    return found;
  }

  /** Order → instance: poll by reference tag until the instance is listed (bounded). */
  private async resolveOrder(region: string, reference: string, orderId: string, deadline: number): Promise<WireInstance> {
    const started = Date.now();
    let interval = 250;
    for (;;) {
      try {
        const found = await this.findByReference(region, reference);
        if (found) return found;
      } catch (err) {
        if (!(isProviderError(err) && err.retryable)) throw err;
      }
      if (Date.now() + interval > deadline) {
        // The retried create finds the instance by its tag, so giving up here leaks nothing.
        throw new ProviderError('Transient', `chinamobile: order ${orderId || '(no id)'} not visible as an instance after ${Date.now() - started} ms`, {
          code: 'OrderNotResolved',
          createAccepted: true,
        });
      }
      await new Promise((r) => setTimeout(r, interval));
      interval = Math.min(interval * 2, 3_000);
    }
  }

  /** The spec's own zone and spec name when it names them, else the configured zone and the cheapest fit. */
  private async place(spec: ResourceSpec, region: string): Promise<{ zone?: string; specsName: string }> {
    const zone = spec.zone ?? this.settings.zone;
    return { zone, specsName: spec.instanceType ?? (await this.resolveType(spec, region, zone)) };
  }

  /** Seed 规格映射: the cheapest spec on offer that fits; the catalog when the query fails. */
  private async resolveType(spec: ResourceSpec, region: string, zone: string | undefined): Promise<string> {
    let pick: OfferedSpec | undefined;
    try {
      const res = await this.cloudCall('createResource', 'DescribeFlavors', undefined, { region, query: zone ? { zoneId: zone } : {} });
      pick = chooseInstanceType(listItems(res.body).flatMap((f) => readFlavor(f) ?? []), spec);
    } catch (err) {
      if (isProviderError(err) && err.kind === 'AuthFailed') throw err; // the create would fail the same way
      this.log.warn('specs query failed; choosing from the catalog', { region, kind: isProviderError(err) ? err.kind : undefined });
      pick = chooseFromCatalog(spec);
    }
    if (!pick) {
      throw new ProviderError('InsufficientStock', `chinamobile: no spec with ≥${spec.cpu} vCPU and ≥${spec.memory} GiB on offer in ${zone ?? region}`, {
        code: 'NoFittingSpec',
      });
    }
    return pick.specsName;
  }

  private async toInfo(
    inst: WireInstance,
    region: string,
    extra: { sshPassword?: string; passwordKnown?: boolean; orderId?: string; withAddresses?: boolean } = {},
  ): Promise<ResourceInfo> {
    const status = mapEcloudStatus(...statusOf(inst));
    const id = inst.instanceId && region !== this.settings.region ? `${region}/${inst.instanceId}` : inst.instanceId;
    const addresses = status === ResourceStatus.CREATING || extra.withAddresses === false ? {} : await this.addressesOf(id, region, inst.instanceId);
    const createdAt = inst.createdTime ? new Date(inst.createdTime) : undefined;
    return {
      id,
      status,
      ipAddress: addresses.publicIp,
      privateIp: addresses.privateIp,
      sshPort: 22,
      sshUser: 'root',
      ...(extra.sshPassword !== undefined ? { sshPassword: extra.sshPassword } : {}),
      metadata: {
        specsName: inst.flavorName,
        region,
        zone: inst.zoneId,
        imageName: inst.imageName,
        ecStatus: inst.ecStatus,
        opStatus: inst.opStatus,
        cpu: inst.vcpu,
        memoryGiB: inst.vmemory / 1024,
        diskGiB: inst.vdisk,
        tags: inst.tags,
        ...(extra.orderId !== undefined ? { orderId: extra.orderId } : {}),
        ...(extra.passwordKnown === false ? { passwordKnown: false } : {}),
      },
      createdAt: createdAt && !Number.isNaN(createdAt.getTime()) ? createdAt : new Date(),
    };
  }

  private async addressesOf(id: string, region: string, instanceId: string): Promise<{ publicIp?: string; privateIp?: string }> {
    const res = await this.cloudCall('getResourceInfo', 'DescribeVirtualNetworks', id, {
      region,
      query: { instanceId, page: '1', pageSize: '10' },
    });
    return readAddresses(listItems(res.body));
  }
}

function statusOf(i: WireInstance): [string, string] {
  return [i.ecStatus, i.opStatus];
}

function isDeletingOrGone(i: WireInstance | undefined): boolean {
  const s = i ? mapEcloudStatus(...statusOf(i)) : ResourceStatus.DELETED;
  return s === ResourceStatus.DELETING || s === ResourceStatus.DELETED;
}

/** A short hash of the client token (or a random one): safe to show in the console, unique enough. */
function referenceOf(clientToken: string | undefined): string {
  return createHash('sha256').update(clientToken ?? randomUUID()).digest('hex').slice(0, 16);
}

/** ECloud names: 5–22 letters, digits and '-', not starting or ending with '-'. */
function instanceName(spec: ResourceSpec, reference: string): string {
  const cleaned = (spec.name ?? '').replace(/[^a-zA-Z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 22).replace(/-+$/, '');
  return cleaned.length >= 5 ? cleaned : `vb-${reference}`;
}

export function parseResourceId(id: string, defaultRegion: string): { region: string; instanceId: string } {
  const slash = id.indexOf('/');
  return slash > 0 ? { region: id.slice(0, slash), instanceId: id.slice(slash + 1) } : { region: defaultRegion, instanceId: id };
}
