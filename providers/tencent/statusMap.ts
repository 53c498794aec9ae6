/** Tencent CVM InstanceState → unified ResourceStatus. */
import { ResourceStatus } from '../types';

/**
 * Every documented InstanceState. Choices worth knowing:
 * - REBOOTING → STARTING: the box is on its way back to RUNNING, which is what callers wait for.
 * - SHUTDOWN → STOPPED: "shut down, awaiting destruction" (e.g. an expired or isolated instance).
 *   It exists and is not running; starting it fails with the cloud's InvalidState code.
 * - TERMINATING → DELETING; a terminated instance disappears from DescribeInstances (→ NotFound).
 */
export const TENCENT_STATUS: Readonly<Record<string, ResourceStatus>> = {
  PENDING: ResourceStatus.CREATING,
  LAUNCH_FAILED: ResourceStatus.ERROR,
  RUNNING: ResourceStatus.RUNNING,
  STOPPED: ResourceStatus.STOPPED,
  STARTING: ResourceStatus.STARTING,
  STOPPING: ResourceStatus.STOPPING,
  REBOOTING: ResourceStatus.STARTING,
  SHUTDOWN: ResourceStatus.STOPPED,
  TERMINATING: ResourceStatus.DELETING,
};

/** An unknown state is ERROR: better an operator looks than a workflow waits forever. */
export function mapTencentState(state: string | undefined): ResourceStatus {
  return (state !== undefined && TENCENT_STATUS[state]) || ResourceStatus.ERROR;
}
