/**
 * The seed's auto-registration: every provider the platform ships, registered once. Adding a
 * provider is one line here (see docs/providers.md).
 */
import { DockerProvider } from './docker/adapter';
import { ProviderFactory } from './factory';

export function createProviderFactory(): ProviderFactory {
  return new ProviderFactory().register('docker', DockerProvider);
}
