/** Typed client of the control API (see control.ts), for tests, the local mode and benchmarks. */
import { CONTROL_PREFIX } from './control';
import type { FaultSpec, ActiveFault } from './faults';
import type { Delays, EmulatedInstance, InstanceState, Transition } from './model';
import type { ThrottleSettings } from './throttle';

/** An instance as the control API returns it (JSON: createdAt is an ISO string). */
export type ControlInstance = Omit<EmulatedInstance, 'createdAt'> & { createdAt: string };

export class EmulatorControlClient {
  private readonly base: string;

  /** `serverUrl` is the emulator's URL (as startEmulatorServer returns it), without the prefix. */
  constructor(serverUrl: string, prefix = CONTROL_PREFIX) {
    this.base = serverUrl.replace(/\/+$/, '') + prefix;
  }

  async listInstances(filter: { region?: string; states?: InstanceState[] } = {}): Promise<ControlInstance[]> {
    const q = new URLSearchParams();
    if (filter.region) q.set('region', filter.region);
    if (filter.states?.length) q.set('state', filter.states.join(','));
    const body = await this.call<{ instances: ControlInstance[] }>('GET', `/instances${q.size ? `?${q}` : ''}`);
    return body.instances;
  }

  async setStock(region: string, zone: string, instanceType: string, count: number): Promise<void> {
    await this.call('POST', '/stock', { region, zone, instanceType, count });
  }

  async setQuota(maxInstances: number, region?: string): Promise<void> {
    await this.call('POST', '/quota', { maxInstances, region });
  }

  async setDelays(delays: Partial<Delays>): Promise<Delays> {
    return (await this.call<{ delays: Delays }>('POST', '/delays', delays)).delays;
  }

  async setStuck(transition: Transition, on: boolean, instanceId?: string): Promise<void> {
    await this.call('POST', '/stuck', { transition, on, instanceId });
  }

  async injectFault(fault: FaultSpec): Promise<ActiveFault> {
    return (await this.call<{ fault: ActiveFault }>('POST', '/faults', fault)).fault;
  }

  async listFaults(): Promise<ActiveFault[]> {
    return (await this.call<{ faults: ActiveFault[] }>('GET', '/faults')).faults;
  }

  async clearFaults(id?: string): Promise<void> {
    await this.call('DELETE', `/faults${id ? `?id=${encodeURIComponent(id)}` : ''}`);
  }

  async setThrottle(settings: Partial<ThrottleSettings>): Promise<ThrottleSettings> {
    return (await this.call<{ throttle: ThrottleSettings }>('POST', '/throttle', settings)).throttle;
  }

  async failNextLaunches(count: number): Promise<void> {
    await this.call('POST', '/launch-failures', { count });
  }

  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  private call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return callControl<T>(this.base, method, path, body);
  }
}

/** One JSON call to an emulator's control API (`base` includes the prefix); throws on a non-2xx. */
export async function callControl<T = unknown>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`emulator control ${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}
