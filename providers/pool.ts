/**
 * Initialized providers, one per (type, region), created on first use from the environment
 * (providers/settings.ts). Every provider's calls are reported to the pool's call observers.
 */
import { BaseProvider, ProviderCallRecord } from './baseProvider';
import type { ProviderFactory } from './factory';
import { configFromEnv, Env, placementFromEnv, ProviderPlacement } from './settings';
import { IResourceProvider, ProviderType } from './types';

export class ProviderPool implements ProviderPlacement {
  private readonly instances = new Map<string, Promise<IResourceProvider>>();
  private readonly observers: Array<(r: ProviderCallRecord & { region: string }) => void> = [];
  private readonly placement: ProviderPlacement;

  constructor(
    readonly factory: ProviderFactory,
    private readonly env: Env = process.env,
  ) {
    this.placement = placementFromEnv(env, factory.registered());
  }

  enabledTypes(): ProviderType[] {
    return this.placement.enabledTypes();
  }

  regionsOf(type: ProviderType): string[] {
    return this.placement.regionsOf(type);
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
