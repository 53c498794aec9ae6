/**
 * How an emulated instance reads on the ECS wire: the `Status` strings, and the instance object
 * DescribeInstances answers with (ECS's field names, minute timestamps, serial numbers).
 */
import type { EmulatedCloud, EmulatedInstance, InstanceState } from '../../emulation';

/** What RunInstances was told that the neutral core does not keep. */
export interface InstanceExtras {
  internetMaxBandwidthOut: number;
  securityGroupId?: string;
  vSwitchId?: string;
  systemDiskCategory: string;
  stoppedMode?: string;
}

/** Emulator states → ECS `Status`. Deleting instances are not listed at all (ECS releases at once). */
const ALIYUN_STATUS: Readonly<Record<Exclude<InstanceState, 'deleting' | 'deleted'>, string>> = {
  pending: 'Pending',
  running: 'Running',
  starting: 'Starting',
  stopping: 'Stopping',
  stopped: 'Stopped',
  // ECS shows a rebooting instance coming back up.
  rebooting: 'Starting',
  // Not an ECS status: only injected launch failures produce it, and the adapter maps unknown → ERROR.
  error: 'Error',
};

export function renderInstance(cloud: EmulatedCloud, inst: EmulatedInstance, extra: InstanceExtras | undefined): Record<string, unknown> {
  // ECS gives a public IP only to instances created with outbound bandwidth.
  const hasPublicIp = (extra?.internetMaxBandwidthOut ?? 0) > 0 && inst.publicIp !== undefined;
  const family = cloud.catalog.instanceTypes.find((t) => t.instanceType === inst.instanceType)?.family;
  return {
    InstanceId: inst.id,
    InstanceName: inst.name ?? inst.id,
    HostName: inst.id,
    Description: '',
    RegionId: inst.region,
    ZoneId: inst.zone,
    InstanceType: inst.instanceType,
    InstanceTypeFamily: family ?? '',
    Cpu: inst.cpu,
    Memory: inst.memoryGiB * 1024,
    ImageId: inst.imageId,
    OSType: 'linux',
    Status: aliyunStatus(inst),
    StoppedMode: inst.state === 'stopped' ? (extra?.stoppedMode ?? 'KeepCharging') : 'Not-applicable',
    CreationTime: minuteTimestamp(inst.createdAt),
    StartTime: minuteTimestamp(inst.createdAt),
    ExpiredTime: '2099-12-31T15:59Z',
    InstanceChargeType: 'PostPaid',
    InternetChargeType: 'PayByTraffic',
    InternetMaxBandwidthOut: extra?.internetMaxBandwidthOut ?? 0,
    InstanceNetworkType: 'vpc',
    PublicIpAddress: { IpAddress: hasPublicIp ? [inst.publicIp] : [] },
    InnerIpAddress: { IpAddress: [] },
    EipAddress: { IpAddress: '', AllocationId: '', InternetChargeType: '' },
    VpcAttributes: {
      VpcId: 'vpc-emulated',
      VSwitchId: extra?.vSwitchId ?? 'vsw-emulated',
      PrivateIpAddress: { IpAddress: [inst.privateIp] },
      NatIpAddress: '',
    },
    SecurityGroupIds: { SecurityGroupId: extra?.securityGroupId ? [extra.securityGroupId] : [] },
    Tags: { Tag: Object.entries(inst.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) },
    OperationLocks: { LockReason: [] },
    SerialNumber: serialNumber(inst.id),
  };
}

/** Only called for listed instances, which are never deleting/deleted. */
export function aliyunStatus(inst: EmulatedInstance): string {
  return inst.state === 'deleting' || inst.state === 'deleted' ? '' : ALIYUN_STATUS[inst.state];
}

/** ECS writes instance times to the minute: `2024-05-01T08:30Z`. */
function minuteTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 16)}Z`;
}

/** Stable per instance, shaped like ECS's UUID serial numbers. */
function serialNumber(id: string): string {
  const hex = Buffer.from(id).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
