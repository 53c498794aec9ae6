/** Typed client of the relay emulator's control API (control.ts), for tests and the local mode. */
import { CONTROL_PREFIX } from '../../providers/emulation/control';
import { callControl } from '../../providers/emulation/controlClient';
import type { ActiveFault, FaultSpec } from '../../providers/emulation/faults';
import type { ControlAuthRequest, ControlMachine } from './control';
import type { RelayAction } from './http';

export class RelayControlClient {
  private readonly base: string;

  /** `relayUrl` is the relay's base URL (HAPPY_SERVER_URL), without the control prefix. */
  constructor(relayUrl: string) {
    this.base = relayUrl.replace(/\/+$/, '') + CONTROL_PREFIX;
  }

  async authRequests(): Promise<ControlAuthRequest[]> {
    return (await this.call<{ requests: ControlAuthRequest[] }>('GET', '/auth-requests')).requests;
  }

  /** Drops the request for `publicKey` (standard base64), or every request. */
  async expireAuthRequests(publicKey?: string): Promise<number> {
    return (await this.call<{ expired: number }>('POST', '/auth-requests/expire', publicKey ? { publicKey } : {})).expired;
  }

  async accounts(): Promise<Array<{ id: string; publicKey: string; createdAt: string }>> {
    return (await this.call<{ accounts: Array<{ id: string; publicKey: string; createdAt: string }> }>('GET', '/accounts')).accounts;
  }

  async machines(): Promise<ControlMachine[]> {
    return (await this.call<{ machines: ControlMachine[] }>('GET', '/machines')).machines;
  }

  async injectFault(fault: FaultSpec & { action?: RelayAction | '*' }): Promise<ActiveFault> {
    return (await this.call<{ fault: ActiveFault }>('POST', '/faults', fault)).fault;
  }

  async clearFaults(id?: string): Promise<void> {
    await this.call('DELETE', `/faults${id ? `?id=${encodeURIComponent(id)}` : ''}`);
  }

  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  private call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return callControl<T>(this.base, method, path, body);
  }
}
