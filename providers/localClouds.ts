/**
 * Local mode: with no keys for a cloud, the run command starts that cloud's emulator and points
 * the adapter at it, so every provider's lifecycle can be driven through the API on one machine.
 * A cloud with real keys (`<TYPE>_ACCESS_KEY_ID`) is left alone.
 *
 * With a state directory (the run command passes `<data dir>/emulators`), local mode survives a
 * restart: each emulator keeps its state in `<cloud>.json` (instances, client tokens, stock,
 * transitions under way; see providers/emulation/stateFile.ts) and re-adopts its containers, and
 * its key and port are kept in `<cloud>.local.json` (0600), so the platform's boxes stay where
 * they were. Without one, every run starts empty with a fresh key, and close() removes every
 * container.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CLOUD_EMULATORS, EMULATED_CLOUDS, EmulatedCloudType } from './cloudEmulators';
import type { EmulatorCredentials, EmulatorHandle } from './emulation';
import { wantsEmulator } from './settings';

export interface LocalClouds {
  /** Environment to merge into the platform's: endpoints and keys of the emulators started. */
  env: Record<string, string>;
  started: Array<{ cloud: string; url: string }>;
  handles: EmulatorHandle[];
  close(): Promise<void>;
}

export interface LocalCloudsOptions {
  /** Where each emulator keeps its state, key and port across restarts; absent: nothing is kept. */
  stateDir?: string;
}

/** What a local emulator keeps besides its state: the key the platform signs with, and the port it answered on. */
interface LocalIdentity {
  credentials: EmulatorCredentials;
  port: number;
}

/** `env` is the platform's environment: keys, `<TYPE>_ENABLED=false`, VIBEBOX_EMULATOR_BACKING. */
export async function startLocalClouds(env: Record<string, string | undefined>, opts: LocalCloudsOptions = {}): Promise<LocalClouds> {
  const handles: EmulatorHandle[] = [];
  const out: LocalClouds = { env: {}, started: [], handles, close: async () => void (await Promise.all(handles.map((h) => h.close()))) };
  for (const cloud of EMULATED_CLOUDS) {
    if (!wantsEmulator(cloud, env)) continue;
    const identity = opts.stateDir ? keptIdentity(opts.stateDir, cloud) : { credentials: freshCredentials(cloud), port: 0 };
    const start = (port: number) =>
      CLOUD_EMULATORS[cloud]({
        port,
        credentials: [identity.credentials],
        backingOverride: env.VIBEBOX_EMULATOR_BACKING,
        statePath: opts.stateDir && path.join(opts.stateDir, `${cloud}.json`),
      });
    // The same port as last time when it is free, so anything that kept the endpoint still reaches it.
    const handle = await start(identity.port).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE' || identity.port === 0) throw err;
      return start(0);
    });
    handles.push(handle);
    if (opts.stateDir) keepIdentity(opts.stateDir, cloud, { ...identity, port: handle.port });
    Object.assign(out.env, handle.providerEnv(identity.credentials));
    out.started.push({ cloud, url: handle.url });
  }
  return out;
}

/** Only reachable on loopback, but keys are still keys: random, and kept 0600. */
function freshCredentials(cloud: EmulatedCloudType): EmulatorCredentials {
  return { accessKeyId: `local-${cloud}`, accessKeySecret: randomBytes(24).toString('base64url') };
}

function identityFile(stateDir: string, cloud: EmulatedCloudType): string {
  return path.join(stateDir, `${cloud}.local.json`);
}

function keptIdentity(stateDir: string, cloud: EmulatedCloudType): LocalIdentity {
  try {
    const kept = JSON.parse(fs.readFileSync(identityFile(stateDir, cloud), 'utf8')) as LocalIdentity;
    if (kept.credentials?.accessKeyId && kept.credentials.accessKeySecret) return { credentials: kept.credentials, port: Number(kept.port) || 0 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const fresh = { credentials: freshCredentials(cloud), port: 0 };
  keepIdentity(stateDir, cloud, fresh);
  return fresh;
}

function keepIdentity(stateDir: string, cloud: EmulatedCloudType, identity: LocalIdentity): void {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = identityFile(stateDir, cloud);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(identity), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}
