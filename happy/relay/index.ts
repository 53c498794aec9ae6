/**
 * The Happy relay emulator: a stand-in for happy-server (api.cluster-fluster.com), the third-party
 * relay between a box's Happy CLI/daemon and the subscriber's Happy app. Like the cloud emulators
 * it is product code (the local mode pairs boxes against it) with a control API for tests.
 *
 * Boxes must reach it: Docker boxes (the Docker provider's and the emulated clouds' Docker-backed
 * instances) sit on Docker's default bridge, so it listens on the bridge's gateway address
 * (dockerBridgeAddress()), which the host reaches too. See docs/happy.md.
 */
import express from 'express';
import { CONTROL_PREFIX } from '../../providers/emulation/control';
import { FaultInjector } from '../../providers/emulation/faults';
import { startEmulatorServer } from '../../providers/emulation/server';
import { createRelayControlRouter } from './control';
import { createRelayRoutes, relayFallbacks } from './http';
import { RelayState } from './state';
import { attachUpdates } from './updates';

export interface HappyRelayOptions {
  /** Listen address; 127.0.0.1 by default (boxes need dockerBridgeAddress()). */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Keep accounts, requests, machines and the token key here (0600) across restarts. */
  stateFile?: string;
}

export interface HappyRelayHandle {
  /** What HAPPY_SERVER_URL should be, e.g. http://172.17.0.1:41234. */
  url: string;
  port: number;
  /** The control API's base URL. */
  controlUrl: string;
  close(): Promise<void>;
}

export async function startHappyRelay(opts: HappyRelayOptions = {}): Promise<HappyRelayHandle> {
  const state = new RelayState(opts.stateFile);
  const faults = new FaultInjector();
  const app = express();
  // Fastify sends neither header; express would.
  app.disable('x-powered-by');
  app.set('etag', false);
  // The updates channel needs the HTTP server, which needs the app: routes are added once both exist.
  const server = await startEmulatorServer({ app, host: opts.host, port: opts.port });
  const updates = attachUpdates(server.server, state, faults);
  app.use(CONTROL_PREFIX, createRelayControlRouter(state, faults, updates));
  const routes = createRelayRoutes(state, faults, updates);
  relayFallbacks(routes);
  app.use(routes);
  return {
    url: server.url,
    port: server.port,
    controlUrl: server.url + CONTROL_PREFIX,
    close: async () => {
      await Promise.all([updates.close(), server.close()]);
    },
  };
}

export { RelayControlClient } from './controlClient';
export { dockerBridgeAddress } from './bridge';
