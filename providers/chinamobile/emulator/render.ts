/**
 * How an emulated instance reads on the ECloud wire: the (ecStatus, opStatus) pair for each
 * neutral state, the instance object DescribeInstances lists, and the NIC
 * DescribeVirtualNetworks answers with.
 */
import type { EmulatedInstance, InstanceState } from '../../emulation';
import { toTagList } from '../wire';

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

/** The instance's one NIC: its private address, and the public one once the backing gave it. */
export function renderNic(inst: EmulatedInstance): Record<string, unknown> {
  return {
    id: `port-${inst.id.slice(0, 8)}`,
    name: `${inst.name ?? inst.id}-nic`,
    macAddress: macOf(inst.id),
    ...(inst.publicIp ? { publicIp: inst.publicIp } : {}),
    fixedIpResps: [{ ipAddress: inst.privateIp, ipVersion: 4, subnetId: `subnet-${inst.zone}` }],
    securityGroupResps: [],
  };
}

function macOf(id: string): string {
  const hex = id.replace(/[^0-9a-f]/gi, '').padEnd(10, '0');
  return `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}
