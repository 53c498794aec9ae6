/**
 * Provider settings from the environment, in one place: which providers are enabled
 * (`ENABLED_PROVIDERS`, `<TYPE>_ENABLED`), where each may place boxes (`<TYPE>_REGIONS`,
 * `<TYPE>_REGION`) and each one's configuration (`<TYPE>_ACCESS_KEY_ID`, …). It imports no
 * adapter and no SDK, so the API can check placement without loading any cloud's client; the
 * worker's ProviderPool reads the same functions to build the providers themselves.
 */
import { ProviderError } from './errors';
import { PROVIDER_TYPES, ProviderConfig, ProviderType } from './types';

export type Env = Record<string, string | undefined>;

/** Regions used when configuration names none. */
export const DEFAULT_REGIONS: Readonly<Record<ProviderType, string>> = {
  docker: 'local',
  chinamobile: 'CIDC-RP-25',
  aliyun: 'cn-hangzhou',
  tencent: 'ap-guangzhou',
};

/** Where new boxes may go: what the API checks a request against and the selection activity orders. */
export interface ProviderPlacement {
  /** Enabled types, in preference order. */
  enabledTypes(): ProviderType[];
  /** Regions of one type, in preference order. */
  regionsOf(type: ProviderType): string[];
}

export function envPrefix(type: ProviderType): string {
  return type.toUpperCase();
}

/**
 * Types enabled by configuration: `ENABLED_PROVIDERS=chinamobile,aliyun` when set, otherwise
 * every one of `known` whose `<TYPE>_ENABLED` is not "false". Order is preference order.
 */
export function enabledTypes(env: Env, known: readonly ProviderType[] = PROVIDER_TYPES): ProviderType[] {
  const list = env.ENABLED_PROVIDERS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (list && list.length > 0) {
    for (const t of list) {
      if (!(known as readonly string[]).includes(t)) {
        throw new ProviderError('InvalidRequest', `ENABLED_PROVIDERS names unknown provider "${t}"`);
      }
    }
    return list as ProviderType[];
  }
  return known.filter((t) => env[`${envPrefix(t)}_ENABLED`]?.toLowerCase() !== 'false');
}

/**
 * Local mode's question: should this cloud be emulated? Yes unless real keys are configured for it
 * (`<TYPE>_ACCESS_KEY_ID`) or it is switched off (`<TYPE>_ENABLED=false`).
 */
export function wantsEmulator(type: ProviderType, env: Env): boolean {
  const p = envPrefix(type);
  return !env[`${p}_ACCESS_KEY_ID`] && env[`${p}_ENABLED`]?.toLowerCase() !== 'false';
}

/** `<TYPE>_REGIONS` (comma list, preference order), else `<TYPE>_REGION`, else a default. */
export function regionsOf(type: ProviderType, env: Env): string[] {
  const p = envPrefix(type);
  const list = env[`${p}_REGIONS`]?.split(',').map((s) => s.trim()).filter(Boolean);
  if (list?.length) return list;
  return [env[`${p}_REGION`] || DEFAULT_REGIONS[type]];
}

/**
 * Placement as the environment says it, read on every call (so a test's env object can change
 * between calls). `known` limits it to the types a factory can build.
 */
export function placementFromEnv(env: Env = process.env, known: readonly ProviderType[] = PROVIDER_TYPES): ProviderPlacement {
  return {
    enabledTypes: () => enabledTypes(env, known),
    regionsOf: (type) => regionsOf(type, env),
  };
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
