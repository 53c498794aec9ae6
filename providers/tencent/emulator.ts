/**
 * Tencent Cloud CVM emulator (API 3.0, version 2017-03-12) on the emulation core. Per request:
 * `POST /` with a JSON body and X-TC-* headers → TC3 signature check → `cloud.admit` (throttle,
 * faults) → the action in emulatorActions.ts. Every answer, errors included, is HTTP 200
 * `{"Response":{..., "RequestId"}}` — except injected 5xx faults, which play a broken gateway.
 * The control API (stock, faults, throttle…) is mounted at CONTROL_PREFIX.
 */
import { randomBytes } from 'node:crypto';
import express, { Request, Response } from 'express';
import {
  CONTROL_PREFIX,
  CloudCatalog,
  EmulatedCloud,
  EmulatorCredentials,
  EmulatorHandle,
  EmulatorOptions,
  EmulatorRequestIds,
  createControlRouter,
  detectBacking,
  startEmulatorServer,
} from '../emulation';
import { createLogger } from '../../lib/logger';
import { DEFAULT_REGION, INSTANCE_TYPES, REGIONS, hourlyCny } from './catalog';
import { CVM_ACTIONS, InstanceNotes } from './emulatorActions';
import { TencentApiError, fromEmulatorError } from './emulatorWire';
import { verifyTc3Request } from './signature';

export const CVM_API_VERSION = '2017-03-12';
/** Stock of every region/zone/type until the control API sets another. */
export const TENCENT_DEFAULT_STOCK = 1000;

/** The Tencent catalog in the core's neutral shape (prices: CNY per hour). */
export function tencentCloudCatalog(): CloudCatalog {
  return {
    regions: REGIONS.map((r) => ({ regionId: r.region, name: r.regionName, zones: r.zones.map((z) => z.zone) })),
    instanceTypes: INSTANCE_TYPES.map((t) => ({ instanceType: t.instanceType, cpu: t.cpu, memoryGiB: t.memoryGiB, family: t.family, price: hourlyCny(t) })),
  };
}

/** `ins-` + 8 lower-case alphanumerics, Tencent's id shape. */
function newInstanceId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `ins-${[...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export async function startTencentEmulator(opts: EmulatorOptions): Promise<EmulatorHandle> {
  const log = createLogger('emulator', { cloud: 'tencent' });
  const secrets = new Map(opts.credentials.map((c) => [c.accessKeyId, c.accessKeySecret]));
  const cloud = new EmulatedCloud({
    cloud: 'tencent',
    catalog: tencentCloudCatalog(),
    delays: opts.delays,
    backing: opts.backing ?? (await detectBacking({ cloud: 'tencent', logger: log })),
    newInstanceId,
    defaultStock: TENCENT_DEFAULT_STOCK,
    defaultDiskGiB: 50,
    logger: log,
  });
  const notes = new Map<string, InstanceNotes>();
  cloud.onChange((inst) => {
    if (inst.state === 'deleted') notes.delete(inst.id);
  });

  const send = (res: Response, requestId: string, body: Record<string, unknown>, status = 200) =>
    res.status(status).json({ Response: { ...body, RequestId: requestId } });
  const sendError = (res: Response, requestId: string, err: TencentApiError, status = 200) =>
    send(res, requestId, { Error: { Code: err.code, Message: err.message } }, status);

  const serve = (req: Request, res: Response): void => {
    const requestId = EmulatorRequestIds.tencent();
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const headers = Object.fromEntries(Object.keys(req.headers).map((k) => [k, header(req, k)]));
    const verdict = verifyTc3Request({ method: req.method, path: '/', query: '', headers, body }, (id) => secrets.get(id));
    if (!verdict.ok) return void sendError(res, requestId, new TencentApiError(verdict.code, verdict.message));

    const action = header(req, 'x-tc-action') ?? '';
    const handler = Object.hasOwn(CVM_ACTIONS, action) ? CVM_ACTIONS[action] : undefined;
    if (!handler || header(req, 'x-tc-version') !== CVM_API_VERSION) {
      return void sendError(res, requestId, new TencentApiError('InvalidAction', `The action \`${action}\` (version ${header(req, 'x-tc-version') ?? '?'}) does not exist.`));
    }

    const decision = cloud.admit(action, verdict.secretId);
    switch (decision.kind) {
      case 'hang':
        return; // never answer; the server's close() destroys the socket
      case 'http5xx':
        return void sendError(res, requestId, new TencentApiError('InternalError', decision.message), decision.status);
      case 'throttle':
        // Tencent sends no retry-after; clients back off on their own.
        return void sendError(res, requestId, new TencentApiError('RequestLimitExceeded', 'Your current request times exceed the frequency limit.'));
      case 'error':
        return void sendError(res, requestId, fromEmulatorError(decision.error));
      case 'none':
        break;
    }

    const regionName = header(req, 'x-tc-region');
    const region = REGIONS.find((r) => r.region === regionName);
    if (!regionName) return void sendError(res, requestId, new TencentApiError('MissingParameter', 'The request is missing the X-TC-Region header.'));
    if (!region) return void sendError(res, requestId, new TencentApiError('UnsupportedRegion', `The region \`${regionName}\` is not supported.`));

    let params: unknown;
    try {
      params = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return void sendError(res, requestId, new TencentApiError('InvalidParameter', 'The request body is not valid JSON.'));
    }
    try {
      send(res, requestId, handler(params, { cloud, owner: verdict.secretId, region, requestId, notes }));
    } catch (err) {
      if (err instanceof TencentApiError) return void sendError(res, requestId, err);
      log.error('action failed', { action, requestId, error: err });
      sendError(res, requestId, new TencentApiError('InternalError', 'An internal error occurred.'));
    }
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(CONTROL_PREFIX, createControlRouter(cloud));
  // Raw bytes: the signature covers the body exactly as sent.
  app.post('/', express.raw({ type: () => true, limit: '2mb' }), serve);

  const server = await startEmulatorServer({ app, port: opts.port, host: opts.host });
  log.info('tencent emulator listening', { url: server.url, backing: cloud.backing.kind });
  return {
    url: server.url,
    port: server.port,
    cloud,
    providerEnv: (c: EmulatorCredentials) => ({
      TENCENT_ACCESS_KEY_ID: c.accessKeyId,
      TENCENT_ACCESS_KEY_SECRET: c.accessKeySecret,
      TENCENT_REGION: DEFAULT_REGION,
      TENCENT_ENDPOINT: server.url,
    }),
    async close() {
      await server.close();
      await cloud.reset(); // removes the Docker containers behind instances, if any
      cloud.dispose();
    },
  };
}
