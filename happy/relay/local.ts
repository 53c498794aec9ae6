/**
 * Local mode: with no HAPPY_SERVER_URL, the run command starts the relay emulator so boxes pair
 * and run the Happy daemon against it, the way the cloud emulators stand in for clouds with no
 * keys. It listens on the Docker bridge's gateway (boxes are containers) on a fixed port, with its
 * state under the data directory, so boxes configured by an earlier run still reach it and their
 * tokens still verify. HAPPY_RELAY_EMULATOR=false keeps it off; HAPPY_RELAY_PORT moves it.
 */
import path from 'node:path';
import { dockerBridgeAddress } from './bridge';
import { startHappyRelay } from './index';

/** happy-server's own default port. */
export const LOCAL_RELAY_PORT = 3005;

export interface LocalHappyRelay {
  /** HAPPY_SERVER_URL to merge into the platform's environment; empty when not started. */
  env: Record<string, string>;
  url?: string;
  close(): Promise<void>;
}

export async function startLocalHappyRelay(env: Record<string, string | undefined>, dataDir: string): Promise<LocalHappyRelay> {
  if (env.HAPPY_SERVER_URL || env.HAPPY_RELAY_EMULATOR === 'false') return { env: {}, close: async () => undefined };
  // Without a Docker engine no box could reach it anyway; loopback keeps it private.
  const host = env.DOCKER_ENABLED === 'false' ? '127.0.0.1' : await dockerBridgeAddress().catch(() => '127.0.0.1');
  const relay = await startHappyRelay({
    host,
    port: Number(env.HAPPY_RELAY_PORT ?? LOCAL_RELAY_PORT),
    stateFile: path.join(dataDir, 'happy-relay.json'),
  });
  return { env: { HAPPY_SERVER_URL: relay.url }, url: relay.url, close: relay.close };
}
