/**
 * ProviderFactory (seed: 工厂模式): providers register a constructor under their type; callers
 * create initialized instances from a ProviderConfig, or from the seed's environment variables.
 */
import { ProviderError } from './errors';
import { IResourceProvider, PROVIDER_TYPES, ProviderConfig, ProviderType } from './types';

export type ProviderConstructor = new () => IResourceProvider;
type Env = Record<string, string | undefined>;

export class ProviderFactory {
  private readonly constructors = new Map<ProviderType, ProviderConstructor>();

  register(type: ProviderType, ctor: ProviderConstructor): this {
    this.constructors.set(type, ctor);
    return this;
  }

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

  /**
   * Types enabled by configuration: `ENABLED_PROVIDERS=chinamobile,aliyun` when set, otherwise
   * every registered type whose `<TYPE>_ENABLED` is not "false". Order is preference order.
   */
  enabledTypes(env: Env = process.env): ProviderType[] {
    const list = env.ENABLED_PROVIDERS?.split(',').map((s) => s.trim()).filter(Boolean);
    if (list && list.length > 0) {
      for (const t of list) {
        if (!this.constructors.has(t as ProviderType)) {
          throw new ProviderError('InvalidRequest', `ENABLED_PROVIDERS names unknown provider "${t}"`);
        }
      }
      return list as ProviderType[];
    }
    return this.registered().filter((t) => env[`${envPrefix(t)}_ENABLED`]?.toLowerCase() !== 'false');
  }
}

export function envPrefix(type: ProviderType): string {
  return type.toUpperCase();
}

/**
 * The seed's configuration variables for one provider: `<TYPE>_ACCESS_KEY_ID`,
 * `<TYPE>_ACCESS_KEY_SECRET`, `<TYPE>_REGION`, plus `<TYPE>_ENDPOINT` (an override for private
 * endpoints and the emulators) and any `<TYPE>_OPTION_<NAME>` as option `<name>` (camelCased).
 */
export function configFromEnv(type: ProviderType, env: Env = process.env): ProviderConfig {
  const p = envPrefix(type);
  const accessKeyId = env[`${p}_ACCESS_KEY_ID`];
  const accessKeySecret = env[`${p}_ACCESS_KEY_SECRET`];
  const options: Record<string, unknown> = {};
  if (env[`${p}_ENDPOINT`]) options.endpoint = env[`${p}_ENDPOINT`];
  const optionPrefix = `${p}_OPTION_`;
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(optionPrefix) && value !== undefined) options[camel(key.slice(optionPrefix.length))] = value;
  }
  return {
    type,
    ...(accessKeyId || accessKeySecret
      ? { credentials: { accessKeyId: accessKeyId ?? '', accessKeySecret: accessKeySecret ?? '' } }
      : {}),
    ...(env[`${p}_REGION`] ? { region: env[`${p}_REGION`] } : {}),
    options,
  };
}

function camel(upperSnake: string): string {
  return upperSnake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function isProviderType(value: string): value is ProviderType {
  return (PROVIDER_TYPES as readonly string[]).includes(value);
}
