/**
 * Every ECloud wire choice the adapter makes, in one file, so it can be corrected against the
 * real API in one place. Each item is marked:
 *   CONFIRMED — seen in at least one independent working client (sources in
 *               docs/providers/chinamobile.md);
 *   ASSUMED   — our best guess; the emulator accepts the listed alternatives too.
 * The emulator imports these same names, so a correction here moves both sides.
 */
import type { TimestampStyle } from './signature';

// ---- request envelope ----------------------------------------------------------------------

/** CONFIRMED: the cloudpods driver and the aesirteam SDK both send Beijing local time + 'Z'. */
export const TIMESTAMP_STYLE: TimestampStyle = 'beijing-local';
/** CONFIRMED: the region travels in this header on the regional api-* hosts. */
export const REGION_HEADER = 'Region-Id';
/** ASSUMED: the pool id (CIDC-RP-25) is sent; the emulator also accepts the OpenAPI id (cn-jiangsu-1). */
export const REGION_HEADER_VALUE: 'poolId' | 'openApiRegionId' = 'poolId';

// ---- paths and action names ----------------------------------------------------------------

const V4 = '/api/openapi-instance/v4';

/** Action names name each call in audit records and are what emulator faults match on. */
export const OPERATIONS = {
  /** CONFIRMED path and POST (cloudpods), body filters + page/pageSize at the top level. */
  DescribeInstances: { method: 'POST', path: `${V4}/list/describe-instances` },
  /** CONFIRMED path; GET ?instanceId=&page=&pageSize= (cloudpods GetInstanceNics). */
  DescribeVirtualNetworks: { method: 'GET', path: `${V4}/virtual-networks` },
  /** CONFIRMED path, GET (cloudpods GetRegions). */
  DescribeRegions: { method: 'GET', path: `${V4}/region/describe-regions` },
  /** CONFIRMED path, GET (cloudpods). */
  DescribeZones: { method: 'GET', path: `${V4}/region/describe-zones` },
  /** ASSUMED path for "which specs can I buy here": GET ?zoneId=. */
  DescribeFlavors: { method: 'GET', path: `${V4}/flavor/describe-flavors` },
  /** Path per cloud-apis.md and a third-party client; body fields ASSUMED (see buildCreateBody). */
  CreateInstances: { method: 'POST', path: `${V4}/create-instances` },
  /** CONFIRMED path and wrapped body (cloudpods StartInstance). */
  BatchStartInstances: { method: 'POST', path: `${V4}/batch-start-instances` },
  /** CONFIRMED path and wrapped body (cloudpods StopInstance). */
  BatchStopInstances: { method: 'POST', path: `${V4}/batch-stop-instances` },
  /** Path per cloud-apis.md; wrapper name ASSUMED by analogy with start/stop. */
  BatchRebootInstances: { method: 'POST', path: `${V4}/batch-reboot-instances` },
  /** CONFIRMED path and wrapped body {instanceIds, deletePublicNetwork, deleteDataVolumes, dryRun} (cloudpods). */
  DeleteInstances: { method: 'POST', path: `${V4}/delete-instances` },
} as const;
export type OperationName = keyof typeof OPERATIONS;

/**
 * The gateway maps a JSON body onto the operation's named body parameter. CONFIRMED wrapped for
 * start/stop/delete (cloudpods); a third-party client sends them bare. The emulator unwraps
 * either form (unwrapBody).
 */
export const BODY_WRAPPER: Partial<Record<OperationName, string>> = {
  BatchStartInstances: 'batchStartInstancesBody',
  BatchStopInstances: 'batchStopInstancesBody',
  BatchRebootInstances: 'batchRebootInstancesBody',
  DeleteInstances: 'deleteInstancesBody',
};

export function wrapBody(op: OperationName, inner: Record<string, unknown>): Record<string, unknown> {
  const wrapper = BODY_WRAPPER[op];
  return wrapper ? { [wrapper]: inner } : inner;
}

/** `{xxxBody: {...}}` → `{...}`; a bare body is returned as is. */
export function unwrapBody(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) return {};
  const keys = Object.keys(body);
  if (keys.length === 1 && keys[0].endsWith('Body') && isRecord(body[keys[0]])) return body[keys[0]] as Record<string, unknown>;
  return body;
}

// ---- create ---------------------------------------------------------------------------------

export interface CreateParams {
  name: string;
  specsName: string;
  imageName: string;
  zone?: string;
  diskGiB: number;
  bootVolumeType: string;
  password: string;
  billingType: string;
  networkId?: string;
  securityGroupIds?: string[];
  tags: Record<string, string>;
}

/**
 * ASSUMED field names, from the older SDK's VmCreateapi (specsName, imageName, bootVolume,
 * password, quantity, billingType, region = the zone, name, networks, securityGroupIds). The v4
 * names seen in a third-party client (flavorName, instanceName, zoneId, chargeMode) are
 * accepted by the emulator too. ASSUMED: tags as [{key, value}] at create (ECloud may need a
 * separate tag-binding call). ASSUMED: the password in clear — the older SDK says the real
 * API wants it RSA-encrypted with ECloud's public key; see encodePassword.
 */
export function buildCreateBody(p: CreateParams): Record<string, unknown> {
  return {
    name: p.name,
    specsName: p.specsName,
    imageName: p.imageName,
    ...(p.zone ? { region: p.zone } : {}),
    bootVolume: { volumeType: p.bootVolumeType, size: p.diskGiB },
    password: encodePassword(p.password),
    quantity: 1,
    billingType: p.billingType,
    duration: 0,
    ...(p.networkId ? { networks: { networkId: p.networkId } } : {}),
    ...(p.securityGroupIds?.length ? { securityGroupIds: p.securityGroupIds } : {}),
    tags: toTagList(p.tags),
  };
}

/** ASSUMED identity. If the real API wants RSA ciphertext, this is the one place to add it. */
export function encodePassword(password: string): string {
  return password;
}

/** CONFIRMED: create answers with an order id, not instance ids. */
export const ORDER_ID_FIELD = 'orderId';

// ---- describe-instances ------------------------------------------------------------------

export interface InstanceFilter {
  instanceId?: string;
  name?: string;
  tags?: Record<string, string>;
  page: number;
  pageSize: number;
}

/** CONFIRMED: instanceId, zoneId, page, pageSize. ASSUMED: instanceName (exact) and tags. */
export function buildDescribeBody(f: InstanceFilter): Record<string, unknown> {
  return {
    ...(f.instanceId ? { instanceId: f.instanceId } : {}),
    ...(f.name ? { instanceName: f.name } : {}),
    ...(f.tags && Object.keys(f.tags).length ? { tags: toTagList(f.tags) } : {}),
    page: f.page,
    pageSize: f.pageSize,
  };
}

export const DESCRIBE_PAGE_SIZE = 50;

/** An instance as the adapter reads it; field names CONFIRMED (cloudpods SInstance) unless noted. */
export interface WireInstance {
  instanceId: string;
  instanceName: string;
  flavorName: string;
  /** ecStatus: ASSUMED separate field; cloudpods reads `status` — either is taken. */
  ecStatus: string;
  /** ASSUMED field (cloud-apis.md): CREATING, OK, STARTING, STOPING, REBOOTING, DELETING. */
  opStatus: string;
  vcpu: number;
  /** MiB. */
  vmemory: number;
  vdisk: number;
  zoneId: string;
  imageName: string;
  createdTime?: string;
  /** ASSUMED shape: [{key, value}]. */
  tags: Record<string, string>;
}

export function readInstance(raw: unknown): WireInstance | undefined {
  if (!isRecord(raw) || typeof raw.instanceId !== 'string') return undefined;
  return {
    instanceId: raw.instanceId,
    instanceName: str(raw.instanceName ?? raw.name),
    flavorName: str(raw.flavorName ?? raw.specsName),
    ecStatus: str(raw.ecStatus ?? raw.status),
    opStatus: str(raw.opStatus),
    vcpu: num(raw.vcpu ?? raw.cpu),
    vmemory: num(raw.vmemory ?? raw.ram),
    vdisk: num(raw.vdisk ?? raw.disk),
    zoneId: str(raw.zoneId ?? raw.availableZone),
    imageName: str(raw.imageName),
    createdTime: typeof raw.createdTime === 'string' ? raw.createdTime : undefined,
    tags: readTags(raw.tags),
  };
}

/** A NIC as virtual-networks returns it (CONFIRMED: publicIp, fixedIpResps[].ipAddress). */
export function readAddresses(nics: unknown[]): { publicIp?: string; privateIp?: string } {
  for (const nic of nics) {
    if (!isRecord(nic)) continue;
    const fixed = Array.isArray(nic.fixedIpResps) ? nic.fixedIpResps.filter(isRecord) : [];
    const privateIp = fixed.map((f) => f.ipAddress).find((ip): ip is string => typeof ip === 'string' && ip !== '');
    const publicIp = typeof nic.publicIp === 'string' && nic.publicIp ? nic.publicIp : undefined;
    if (publicIp || privateIp) return { publicIp, privateIp };
  }
  return {};
}

/** Specs query item: ASSUMED {flavorName|specsName, vcpu|cpu, vmemory (MiB)|ram (MiB)}. */
export function readFlavor(raw: unknown): { specsName: string; cpu: number; memoryGiB: number } | undefined {
  if (!isRecord(raw)) return undefined;
  const specsName = str(raw.flavorName ?? raw.specsName);
  const cpu = num(raw.vcpu ?? raw.cpu);
  const memoryMiB = num(raw.vmemory ?? raw.ram);
  return specsName && cpu > 0 && memoryMiB > 0 ? { specsName, cpu, memoryGiB: memoryMiB / 1024 } : undefined;
}

/** Batch result item, CONFIRMED: body.instanceBatchResult[{instanceId, result, message}]. */
export function readBatchResult(body: unknown, instanceId: string): { result: boolean; message: string } | undefined {
  const list = isRecord(body) && Array.isArray(body.instanceBatchResult) ? body.instanceBatchResult : [];
  const item = list.filter(isRecord).find((r) => r.instanceId === instanceId);
  return item ? { result: item.result === true, message: str(item.message) } : undefined;
}

/** CONFIRMED: list bodies come as an array, or {content: [...], total} (also {regions}/{zones}). */
export function listItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (!isRecord(body)) return [];
  for (const key of ['content', 'regions', 'zones']) {
    const value = body[key];
    if (Array.isArray(value)) return value;
  }
  return [];
}

// ---- tags -------------------------------------------------------------------------------------

export function toTagList(tags: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** Accepts [{key, value}], [{tagKey, tagValue}] or a plain map. */
export function readTags(raw: unknown): Record<string, string> {
  if (Array.isArray(raw)) {
    const out: Record<string, string> = {};
    for (const t of raw) {
      if (!isRecord(t)) continue;
      const key = t.key ?? t.tagKey;
      const value = t.value ?? t.tagValue;
      if (typeof key === 'string') out[key] = typeof value === 'string' ? value : '';
    }
    return out;
  }
  if (isRecord(raw)) return Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  return {};
}

// ---- errors -----------------------------------------------------------------------------------

/**
 * Error codes. CONFIRMED: MISSING_PARAMETER, INVALID_PARAMETER (cloud-apis.md). Everything else
 * ASSUMED; the adapter's kind map (errors.ts) also keys on state and HTTP status, so a wrong
 * code still lands in a sensible kind.
 */
export const ECLOUD_ERROR_CODES = {
  missingParameter: 'MISSING_PARAMETER',
  invalidParameter: 'INVALID_PARAMETER',
  invalidAccessKey: 'INVALID_ACCESSKEY',
  signatureMismatch: 'SIGNATURE_NOT_MATCH',
  requestExpired: 'REQUEST_EXPIRED',
  nonceUsed: 'SIGNATURE_NONCE_USED',
  throttled: 'REQUEST_LIMIT_EXCEEDED',
  notFound: 'RESOURCE_NOT_FOUND',
  incorrectState: 'INSTANCE_STATUS_NOT_SUPPORT',
  noStock: 'STOCK_NOT_ENOUGH',
  quotaExceeded: 'QUOTA_EXCEEDED',
  internal: 'INTERNAL_ERROR',
} as const;

/** ASSUMED HTTP statuses: 429 for throttling (the seed says so), 403 for auth, 5xx for faults, 200 otherwise. */
export const HTTP_STATUS = { ok: 200, auth: 403, throttled: 429, internal: 500 } as const;

export const ENVELOPE_STATES = ['OK', 'ERROR', 'EXCEPTION', 'FORBIDDEN'] as const;

// ---- helpers ----------------------------------------------------------------------------------

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
}
