/**
 * ProviderFactory (seed: 工厂模式 and 自动注册): providers register a constructor under their type;
 * callers create initialized instances from a ProviderConfig (providers/settings.ts builds one
 * from the environment). `createProviderFactory` registers every provider the platform ships —
 * adding a provider is one line there (see docs/providers.md).
 *
 * Importing this module loads every adapter and its SDK (≈ 1 s, most of it Aliyun's client). Only
 * the worker, the contract tests and the bench need that; the API reads placement from
 * providers/settings.ts and never imports this file.
 */
import { AliyunProvider } from './aliyun/adapter';
import { ChinaMobileProvider } from './chinamobile/adapter';
import { DockerProvider } from './docker/adapter';
import { ProviderError } from './errors';
import { TencentProvider } from './tencent/adapter';
import { IResourceProvider, ProviderConfig, ProviderType } from './types';

export type ProviderConstructor = new () => IResourceProvider;

export class ProviderFactory {
  private readonly constructors = new Map<ProviderType, ProviderConstructor>();

  register(type: ProviderType, ctor: ProviderConstructor): this {
    this.constructors.set(type, ctor);
    return this;
  }

  /** Registered types, in registration order (the preference order when ENABLED_PROVIDERS is unset). */
  registered(): ProviderType[] {
    return [...this.constructors.keys()];
  }

  /** Creates and initializes a provider; throws InvalidRequest for an unknown type or bad config. */
  async create(config: ProviderConfig): Promise<IResourceProvider> {
    const Ctor = this.constructors.get(config.type);
    if (!Ctor) throw new ProviderError('InvalidRequest', `unknown provider type "${config.type}"`);
    const provider = new Ctor();
    await provider.initialize(config);
    return provider;
  }
}

/** In preference order: ENABLED_PROVIDERS unset means "all of these that are not disabled". */
export function createProviderFactory(): ProviderFactory {
  return new ProviderFactory()
    .register('chinamobile', ChinaMobileProvider)
    .register('aliyun', AliyunProvider)
    .register('tencent', TencentProvider)
    .register('docker', DockerProvider);
}
