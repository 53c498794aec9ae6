/**
 * What every cloud emulator's `start…Emulator` takes and returns, so the standalone command, the
 * local mode of the run command and the tests treat all three alike — and serveEmulator, the one
 * way a cloud emulator makes that handle.
 */
import type http from 'node:http';
import type { Express } from 'express';
import type { InstanceBacking } from './backing';
import type { EmulatedCloud } from './emulatedCloud';
import type { Delays } from './model';
import { EmulatorServer, startEmulatorServer } from './server';
import { StateFile } from './stateFile';

export interface EmulatorCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Keys the emulator accepts; requests signed with anything else get the cloud's auth error. */
  credentials: EmulatorCredentials[];
  /**
   * What stands behind each instance: NoBacking, or a Docker container answering SSH. Required
   * here so the core needs no provider; providers/cloudEmulators.ts picks one when its caller
   * does not (detectBacking).
   */
  backing: InstanceBacking;
  /** Instance transition delays in ms (defaults are short, for tests and local use). */
  delays?: Partial<Delays>;
  /**
   * A file to keep the emulated cloud's state in (stateFile.ts): a restarted emulator finds its
   * instances, adopts their machines and resumes their transitions, and close() keeps them.
   * Absent: state lives in memory and close() removes every machine.
   */
  statePath?: string;
}

export interface EmulatorHandle {
  /** Base URL, e.g. http://127.0.0.1:43210; the control API is at `${url}/_emulator`. */
  url: string;
  port: number;
  cloud: EmulatedCloud;
  /**
   * Environment variables that point this cloud's adapter at the emulator with the given key
   * (e.g. ALIYUN_ACCESS_KEY_ID, ALIYUN_ACCESS_KEY_SECRET, ALIYUN_ENDPOINT, ALIYUN_REGION).
   */
  providerEnv(credentials: EmulatorCredentials): Record<string, string>;
  close(): Promise<void>;
}

/**
 * Serves a cloud emulator's app (see createEmulatorApp) and returns its handle, after taking up
 * the saved state when there is a state file. `providerEnv` gets the running server, for the
 * endpoint. close() stops the server (hung requests too), then either saves the state and keeps
 * the instances' machines (state file) or removes every machine the emulator made — never a
 * machine no instance owns.
 */
export async function serveEmulator(
  cloud: EmulatedCloud,
  app: Express,
  opts: Pick<EmulatorOptions, 'port' | 'host' | 'statePath'>,
  providerEnv: (server: EmulatorServer, credentials: EmulatorCredentials) => Record<string, string>,
): Promise<EmulatorHandle> {
  // The port first (a busy one fails before anything is restored); calls wait for the restore.
  let restored = Promise.resolve();
  const gated = (req: http.IncomingMessage, res: http.ServerResponse) =>
    void restored.then(
      () => app(req, res),
      () => res.writeHead(503).end(),
    );
  const server = await startEmulatorServer({ app: gated, port: opts.port, host: opts.host });
  if (opts.statePath) {
    restored = cloud.restoreFrom(new StateFile(opts.statePath));
    await restored.catch(async (err: unknown) => {
      await server.close();
      throw err;
    });
  }
  return {
    url: server.url,
    port: server.port,
    cloud,
    providerEnv: (credentials) => providerEnv(server, credentials),
    async close() {
      await server.close();
      await cloud.shutdown();
    },
  };
}
