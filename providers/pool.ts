/**
 * Initialized providers, one per (type, region), created on first use from the seed's
 * environment variables. Every provider's calls are reported to the pool's call observers.
 */
import { BaseProvider, ProviderCallRecord } from './baseProvider';
import { configFromEnv, envPrefix, ProviderFactory } from './factory';
import { IResourceProvider, ProviderType } from './types';

type Env = Record<string, string | undefined>;

/** Regions used when configuration names none. */
const DEFAULT_REGIONS: Record<ProviderType, string> = {
  docker: 'local',
  chinamobile: 'CIDC-RP-25',
  aliyun: 'cn-hangzhou',
  tencent: 'ap-guangzhou',
};

export class ProviderPool {
  private readonly instances = new Map<string, Promise<IResourceProvider>>();
  private readonly observers: Array<(r: ProviderCallRecord & { region: string }) => void> = [];

  constructor(
    readonly factory: ProviderFactory,
    private readonly env: Env = process.env,
  ) {}

  enabledTypes(): ProviderType[] {
    return this.factory.enabledTypes(this.env);
  }

  /** `<TYPE>_REGIONS` (comma list, preference order), else `<TYPE>_REGION`, else a default. */
  regionsOf(type: ProviderType): string[] {
    const p = envPrefix(type);
    const list = this.env[`${p}_REGIONS`]?.split(',').map((s) => s.trim()).filter(Boolean);
    if (list?.length) return list;
    return [this.env[`${p}_REGION`] || DEFAULT_REGIONS[type]];
  }

  get(type: ProviderType, region: string): Promise<IResourceProvider> {
    const key = `${type}/${region}`;
    let pending = this.instances.get(key);
    if (!pending) {
      pending = this.factory.create({ ...configFromEnv(type, this.env), region }).then((provider) => {
        if (provider instanceof BaseProvider) {
          provider.observeCalls((record) => this.observers.forEach((o) => o({ ...record, region })));
        }
        return provider;
      });
      // A failed initialization must not be cached forever: the next call tries again.
      pending.catch(() => this.instances.delete(key));
      this.instances.set(key, pending);
    }
    return pending;
  }

  onCall(observer: (record: ProviderCallRecord & { region: string }) => void): void {
    this.observers.push(observer);
  }
}
