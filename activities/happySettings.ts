/** Happy's install settings from process configuration. */
import type { AppConfig } from '../lib/config';
import type { HappySettings } from './happyScript';

export function happySettingsFrom(config: AppConfig): HappySettings {
  const env: Record<string, string> = {};
  if (config.HAPPY_SERVER_URL) env.HAPPY_SERVER_URL = config.HAPPY_SERVER_URL;
  if (config.HAPPY_WEBAPP_URL) env.HAPPY_WEBAPP_URL = config.HAPPY_WEBAPP_URL;
  return { user: config.HAPPY_USER, registry: config.HAPPY_NPM_REGISTRY, packages: config.HAPPY_PACKAGES, env };
}
