/**
 * China Mobile ECloud emulator: ECloud's v4 instance API on the cloud-neutral emulation core.
 * Per request: BC-Signature V2.0 check (auth.ts) → Region-Id → `cloud.admit` (throttle, faults)
 * → the operation (actions.ts) → `{requestId, state, body, errorCode, errorMessage}`, errors in
 * ECloud's codes (errors.ts), instances in its fields (render.ts). Where the real wire is
 * uncertain (providers/chinamobile/wire.ts) it accepts every variant we know of: wrapped or bare
 * bodies, old or v4 create field names, UTC or Beijing-local timestamps, pool or OpenAPI region
 * ids. The control API is mounted at CONTROL_PREFIX; what backs each instance is the caller's
 * choice (opts.backing).
 */
import { randomUUID } from 'node:crypto';
import express, { NextFunction, Request, Response } from 'express';
import {
  CloudCatalog,
  EmulatedCloud,
  EmulatorHandle,
  EmulatorOptions,
  RefusalWording,
  createEmulatorApp,
  enforceDecision,
  mintRequestId,
  serveEmulator,
} from '../../emulation';
import { DEFAULT_REGION, ECLOUD_REGIONS, ECLOUD_SPECS, HOURS_PER_MONTH, findRegion } from '../catalog';
import { ECLOUD_ERROR_CODES as CODES, HTTP_STATUS, OPERATIONS, OperationName, REGION_HEADER, unwrapBody } from '../wire';
import { ActionHandler, ecloudActions } from './actions';
import { authenticate, newNonceGuard } from './auth';
import { EcloudWireError, internalError, refused, sendError, throttled, toWireError } from './errors';

/** ECloud's request ids read as lower-case UUIDs in the clients we know of (an assumption). */
const requestId = () => mintRequestId('uuid-lower');

const REFUSALS: RefusalWording = {
  throttled: (retryAfterSeconds) => throttled('request rate limit exceeded', retryAfterSeconds),
  serverError: internalError,
};

export function chinaMobileCatalog(): CloudCatalog {
  return {
    regions: ECLOUD_REGIONS.map((r) => ({ regionId: r.poolId, name: r.name, zones: [...r.zones] })),
    instanceTypes: ECLOUD_SPECS.map((s) => ({
      instanceType: s.specsName,
      cpu: s.cpu,
      memoryGiB: s.memoryGiB,
      family: s.specsName.split('.')[0],
      price: s.priceCnyPerMonth / HOURS_PER_MONTH,
    })),
  };
}

export async function startChinaMobileEmulator(opts: EmulatorOptions): Promise<EmulatorHandle> {
  // ECloud instance ids are UUIDs.
  const cloud = new EmulatedCloud({ cloud: 'chinamobile', catalog: chinaMobileCatalog(), delays: opts.delays, backing: opts.backing, newInstanceId: randomUUID });
  const secrets = new Map(opts.credentials.map((c) => [c.accessKeyId, c.accessKeySecret]));
  return serveEmulator(cloud, createChinaMobileApp(cloud, (ak) => secrets.get(ak)), opts, (server, c) => ({
    CHINAMOBILE_ACCESS_KEY_ID: c.accessKeyId,
    CHINAMOBILE_ACCESS_KEY_SECRET: c.accessKeySecret,
    CHINAMOBILE_ENDPOINT: server.url,
    CHINAMOBILE_REGION: DEFAULT_REGION,
  }));
}

function createChinaMobileApp(cloud: EmulatedCloud, secretOf: (accessKey: string) => string | undefined): express.Express {
  const app = createEmulatorApp(cloud);
  const nonces = newNonceGuard();

  /** Signature → region → throttle/faults → handler → envelope. */
  const route = (op: OperationName, handler: ActionHandler) => (req: Request, res: Response) => {
    const id = requestId();
    const url = new URL(req.originalUrl, 'http://emulator');
    try {
      const accessKey = authenticate(req.method, url, secretOf, nonces);
      const region = regionOf(req.header(REGION_HEADER));
      const verdict = enforceDecision(cloud.admit(op, accessKey), REFUSALS);
      if (verdict === 'hang') return; // the server's close() destroys the socket
      const body = handler({ accessKey, region, body: unwrapBody(req.body), query: url.searchParams });
      if (verdict === 'serveThenDrop') return void req.socket.destroy(); // done, but the answer is lost
      res.status(HTTP_STATUS.ok).json({ requestId: id, state: 'OK', body });
    } catch (err) {
      sendError(res, id, toWireError(err));
    }
  };

  const api = express.Router();
  api.use(express.json());
  for (const [op, handler] of Object.entries(ecloudActions(cloud)) as Array<[OperationName, ActionHandler]>) {
    const { method, path } = OPERATIONS[op];
    if (method === 'GET') api.get(path, route(op, handler));
    else api.post(path, route(op, handler));
  }

  app.use(api);
  app.use((req, res) => sendError(res, requestId(), new EcloudWireError(404, 'ERROR', CODES.notFound, `no API at ${req.method} ${req.path}`)));
  // Malformed JSON and the like, in the cloud's envelope.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => sendError(res, requestId(), toWireError(err)));
  return app;
}

/** Region-Id: pool id or OpenAPI region id; absent means the default region. */
function regionOf(header: string | undefined): string {
  if (!header) return DEFAULT_REGION;
  const region = findRegion(header);
  if (!region) throw refused(CODES.invalidParameter, `unknown region ${header}`);
  return region.poolId;
}
