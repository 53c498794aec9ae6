/**
 * ECloud (ecStatus, opStatus) → unified ResourceStatus.
 *
 * opStatus names an operation in progress and wins while it is one; when it is OK (or absent)
 * the OpenStack-style ecStatus decides. The seed's capitalised names (Pending, Running,
 * Released, Failed…) are in the same table, matched case-insensitively, in case the console
 * vocabulary shows up on the wire.
 */
import { ResourceStatus } from '../types';

/** opStatus values (sic: STOPING is ECloud's spelling); OK means "no operation". */
const OP_STATUS: Record<string, ResourceStatus> = {
  creating: ResourceStatus.CREATING,
  starting: ResourceStatus.STARTING,
  stoping: ResourceStatus.STOPPING,
  stopping: ResourceStatus.STOPPING,
  // No REBOOTING in the unified enum: a reboot is "on its way back to RUNNING", like a start.
  rebooting: ResourceStatus.STARTING,
  deleting: ResourceStatus.DELETING,
};

const EC_STATUS: Record<string, ResourceStatus> = {
  // OpenStack server states, lower case on ECloud
  build: ResourceStatus.CREATING,
  active: ResourceStatus.RUNNING,
  reboot: ResourceStatus.STARTING,
  hard_reboot: ResourceStatus.STARTING,
  rebuild: ResourceStatus.STARTING,
  resize: ResourceStatus.STARTING,
  verify_resize: ResourceStatus.STARTING,
  revert_resize: ResourceStatus.STARTING,
  password: ResourceStatus.RUNNING,
  migrating: ResourceStatus.RUNNING,
  backuping: ResourceStatus.RUNNING,
  stopped: ResourceStatus.STOPPED,
  shutoff: ResourceStatus.STOPPED,
  suspended: ResourceStatus.STOPPED,
  paused: ResourceStatus.STOPPED,
  shelved: ResourceStatus.STOPPED,
  shelved_offloaded: ResourceStatus.STOPPED,
  deleted: ResourceStatus.DELETED,
  soft_deleted: ResourceStatus.DELETED,
  error: ResourceStatus.ERROR,
  // the seed's vocabulary
  pending: ResourceStatus.CREATING,
  starting: ResourceStatus.STARTING,
  running: ResourceStatus.RUNNING,
  stopping: ResourceStatus.STOPPING,
  deleting: ResourceStatus.DELETING,
  released: ResourceStatus.DELETED,
  failed: ResourceStatus.ERROR,
};

/** Unknown values are ERROR, so a wait fails loudly instead of spinning on a status we never mapped. */
export function mapEcloudStatus(ecStatus: string | undefined, opStatus?: string): ResourceStatus {
  const op = opStatus?.trim().toLowerCase();
  if (op && op !== 'ok' && OP_STATUS[op]) return OP_STATUS[op];
  const ec = ecStatus?.trim().toLowerCase();
  return (ec && EC_STATUS[ec]) || ResourceStatus.ERROR;
}

/** Gone for every purpose of the contract: getResourceInfo answers NotFound. */
export function isGone(status: ResourceStatus): boolean {
  return status === ResourceStatus.DELETED;
}
