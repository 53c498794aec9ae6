/**
 * Local mode: with no keys for a cloud, the run command starts that cloud's emulator and points
 * the adapter at it, so every provider's lifecycle can be driven through the API on one machine.
 * A cloud with real keys (`<TYPE>_ACCESS_KEY_ID`) is left alone.
 */
import { randomBytes } from 'node:crypto';
import { CLOUD_EMULATORS, EMULATED_CLOUDS } from './cloudEmulators';
import type { EmulatorHandle } from './emulation';
import { wantsEmulator } from './settings';

export interface LocalClouds {
  /** Environment to merge into the platform's: endpoints and keys of the emulators started. */
  env: Record<string, string>;
  started: Array<{ cloud: string; url: string }>;
  handles: EmulatorHandle[];
  close(): Promise<void>;
}

/** `env` is the platform's environment: keys, `<TYPE>_ENABLED=false`, VIBEBOX_EMULATOR_BACKING. */
export async function startLocalClouds(env: Record<string, string | undefined>): Promise<LocalClouds> {
  const handles: EmulatorHandle[] = [];
  const out: LocalClouds = { env: {}, started: [], handles, close: async () => void (await Promise.all(handles.map((h) => h.close()))) };
  for (const cloud of EMULATED_CLOUDS) {
    if (!wantsEmulator(cloud, env)) continue;
    // A fresh key per run: the emulator is only reachable on loopback, but keys still are keys.
    const credentials = { accessKeyId: `local-${cloud}`, accessKeySecret: randomBytes(24).toString('base64url') };
    const handle = await CLOUD_EMULATORS[cloud]({ credentials: [credentials], backingOverride: env.VIBEBOX_EMULATOR_BACKING });
    handles.push(handle);
    Object.assign(out.env, handle.providerEnv(credentials));
    out.started.push({ cloud, url: handle.url });
  }
  return out;
}
