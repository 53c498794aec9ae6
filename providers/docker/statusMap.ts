/** Docker container state → unified ResourceStatus. */
import { ResourceStatus } from '../types';

/** `State.Status` values from the Engine API's container inspect. */
const DOCKER_STATUS: Record<string, ResourceStatus> = {
  created: ResourceStatus.STOPPED,
  running: ResourceStatus.RUNNING,
  paused: ResourceStatus.STOPPED,
  restarting: ResourceStatus.STARTING,
  removing: ResourceStatus.DELETING,
  exited: ResourceStatus.STOPPED,
  dead: ResourceStatus.ERROR,
};

export function mapDockerStatus(state: string | undefined): ResourceStatus {
  return (state && DOCKER_STATUS[state]) || ResourceStatus.ERROR;
}
