/**
 * How the emulator's answers read on the CVM wire: the response envelope, the InstanceState
 * names, and the instance object DescribeInstances answers with (Tencent's field names, plus what the emulator noted
 * at RunInstances that the core does not keep).
 */
import type { Response } from 'express';
import type { EmulatedInstance, InstanceState } from '../../emulation';
import { IMAGES } from '../catalog';

/**
 * CVM's Content-Type, exactly: no charset. The Python SDK reads an error only from an answer whose
 * type is `application/json` or `text/plain` verbatim, and silently ignores any other.
 */
export const CVM_CONTENT_TYPE = 'application/json';

/** Every CVM answer, errors included: `{"Response":{...body, "RequestId"}}`, HTTP 200 unless a 5xx is played. */
export function send(res: Response, requestId: string, body: Record<string, unknown>, status = 200): void {
  // Not res.json(): Express would append `; charset=utf-8`.
  res.statusCode = status;
  res.setHeader('Content-Type', CVM_CONTENT_TYPE);
  res.end(JSON.stringify({ Response: { ...body, RequestId: requestId } }));
}

/** Core state → Tencent InstanceState. 'error' only arises from a failed launch or backing. */
export const TENCENT_STATE_OF: Readonly<Record<InstanceState, string>> = {
  pending: 'PENDING',
  running: 'RUNNING',
  stopping: 'STOPPING',
  stopped: 'STOPPED',
  starting: 'STARTING',
  rebooting: 'REBOOTING',
  deleting: 'TERMINATING',
  deleted: 'TERMINATING',
  error: 'LAUNCH_FAILED',
};

/** What the emulator remembers per instance beyond the core's neutral record. */
export interface InstanceNotes {
  diskType: string;
  publicIp: boolean;
  bandwidthOut: number;
  uuid: string;
  latestOperation?: string;
  latestOperationRequestId?: string;
}

export function renderInstance(i: EmulatedInstance, note: InstanceNotes | undefined): Record<string, unknown> {
  const image = Object.values(IMAGES).find((img) => img.imageId === i.imageId);
  const operating = i.transition !== undefined;
  return {
    Placement: { Zone: i.zone, ProjectId: 0 },
    InstanceId: i.id,
    InstanceType: i.instanceType,
    CPU: i.cpu,
    Memory: i.memoryGiB,
    RestrictState: 'NORMAL',
    InstanceName: i.name ?? '未命名',
    InstanceChargeType: 'POSTPAID_BY_HOUR',
    SystemDisk: { DiskType: note?.diskType ?? 'CLOUD_PREMIUM', DiskId: `disk-${i.id.slice(4)}`, DiskSize: i.diskGiB },
    DataDisks: null,
    PrivateIpAddresses: [i.privateIp],
    PublicIpAddresses: i.publicIp && note?.publicIp !== false ? [i.publicIp] : null,
    InternetAccessible: { InternetChargeType: 'TRAFFIC_POSTPAID_BY_HOUR', InternetMaxBandwidthOut: note?.bandwidthOut ?? 0, PublicIpAssigned: note?.publicIp ?? false },
    VirtualPrivateCloud: { VpcId: 'vpc-emulated', SubnetId: 'subnet-emulated', AsVpcGateway: false },
    ImageId: i.imageId,
    RenewFlag: null,
    CreatedTime: i.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ExpiredTime: null,
    OsName: image?.osName ?? 'Linux',
    SecurityGroupIds: [],
    LoginSettings: { Password: null, KeyIds: null, KeepImageLogin: null },
    InstanceState: TENCENT_STATE_OF[i.state],
    Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
    StopChargingMode: 'NOT_APPLICABLE',
    Uuid: note?.uuid ?? null,
    LatestOperation: note?.latestOperation ?? null,
    LatestOperationState: note?.latestOperation ? (operating ? 'OPERATING' : i.state === 'error' ? 'FAILED' : 'SUCCESS') : null,
    LatestOperationRequestId: note?.latestOperationRequestId ?? null,
    IsolatedSource: 'NOTSET',
    DisableApiTermination: false,
    // The emulated images (VibeBox containers) log in as root; Tencent's Ubuntu images say `ubuntu`.
    DefaultLoginUser: 'root',
    DefaultLoginPort: i.sshPort,
  };
}
