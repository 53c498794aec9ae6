/** ECS instance `Status` → unified ResourceStatus (seed: 状态映射). */
import { ResourceStatus } from '../types';

/**
 * The documented ECS statuses. A deleted instance is not a status on ECS: it disappears from
 * DescribeInstances, which the adapter reports as NotFound (DELETED when waiting for it).
 */
const ALIYUN_STATUS: Readonly<Record<string, ResourceStatus>> = {
  Pending: ResourceStatus.CREATING,
  Starting: ResourceStatus.STARTING,
  Running: ResourceStatus.RUNNING,
  Stopping: ResourceStatus.STOPPING,
  Stopped: ResourceStatus.STOPPED,
};

/** Anything else (a status ECS adds later, or none) is ERROR, so a waiting workflow fails fast instead of waiting blind. */
export function mapAliyunStatus(status: string | undefined): ResourceStatus {
  return (status !== undefined && ALIYUN_STATUS[status]) || ResourceStatus.ERROR;
}
