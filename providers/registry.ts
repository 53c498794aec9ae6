/**
 * The seed's auto-registration: every provider the platform ships, registered once. Adding a
 * provider is one line here (see docs/providers.md).
 */
import { AliyunProvider } from './aliyun/adapter';
import { ChinaMobileProvider } from './chinamobile/adapter';
import { DockerProvider } from './docker/adapter';
import { ProviderFactory } from './factory';
import { TencentProvider } from './tencent/adapter';

/** In preference order: ENABLED_PROVIDERS unset means "all of these that are not disabled". */
export function createProviderFactory(): ProviderFactory {
  return new ProviderFactory()
    .register('chinamobile', ChinaMobileProvider)
    .register('aliyun', AliyunProvider)
    .register('tencent', TencentProvider)
    .register('docker', DockerProvider);
}
