/**
 * Tencent Cloud CVM emulator (API 3.0, version 2017-03-12) on the emulation core. Per request:
 * `POST /` with a JSON body and X-TC-* headers → TC3 signature check (auth.ts) → `cloud.admit`
 * (throttle, faults) → the action (actions.ts), errors in Tencent's words (errors.ts), instances
 * in its fields (render.ts). Every answer, errors included, is HTTP 200
 * `{"Response":{..., "RequestId"}}` — except injected 5xx faults, which play a broken gateway.
 * The control API (stock, faults, throttle…) is mounted at CONTROL_PREFIX; what backs each
 * instance is the caller's choice (opts.backing).
 */
import express, { Request, Response } from 'express';
import { createLogger } from '../../../lib/logger';
import {
  CloudCatalog,
  EmulatedCloud,
  EmulatorHandle,
  EmulatorOptions,
  RefusalWording,
  createEmulatorApp,
  enforceDecision,
  isEmulatorError,
  lowerAlphanumericId,
  mintRequestId,
  serveEmulator,
} from '../../emulation';
import { DEFAULT_REGION, INSTANCE_TYPES, REGIONS, TencentRegion, hourlyCny } from '../catalog';
import { CVM_ACTIONS } from './actions';
import { authenticate, header, newSignatureGuard } from './auth';
import { TencentApiError, fromEmulatorError, sendError } from './errors';
import { InstanceNotes, send } from './render';

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

export async function startTencentEmulator(opts: EmulatorOptions): Promise<EmulatorHandle> {
  const log = createLogger('emulator', { cloud: 'tencent' });
  const secrets = new Map(opts.credentials.map((c) => [c.accessKeyId, c.accessKeySecret]));
  const signatures = newSignatureGuard();
  const cloud = new EmulatedCloud({
    cloud: 'tencent',
    catalog: tencentCloudCatalog(),
    delays: opts.delays,
    backing: opts.backing,
    newInstanceId: () => lowerAlphanumericId('ins-', 8), // Tencent's shape: `ins-` and 8 lower-case alphanumerics
    defaultStock: TENCENT_DEFAULT_STOCK,
    defaultDiskGiB: 50,
    logger: log,
  });
  const notes = cloud.sideTable<InstanceNotes>('notes'); // saved with the state
  cloud.onChange((inst) => {
    if (inst.state === 'deleted') notes.delete(inst.id);
  });

  const serve = (req: Request, res: Response): void => {
    const requestId = mintRequestId('uuid-lower'); // CVM answers with lower-case UUIDs
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const action = header(req, 'x-tc-action') ?? '';
    try {
      const secretId = authenticate(req, body, secrets, signatures);
      const handler = Object.hasOwn(CVM_ACTIONS, action) ? CVM_ACTIONS[action] : undefined;
      if (!handler || header(req, 'x-tc-version') !== CVM_API_VERSION) {
        throw new TencentApiError('InvalidAction', `The action \`${action}\` (version ${header(req, 'x-tc-version') ?? '?'}) does not exist.`);
      }
      const verdict = enforceDecision(cloud.admit(action, secretId), REFUSALS);
      if (verdict === 'hang') return; // the server's close() destroys the socket
      const region = regionOf(header(req, 'x-tc-region'));
      const params = jsonBody(body);
      const answer = handler(params, { cloud, owner: secretId, region, requestId, notes });
      if (verdict === 'serveThenDrop') return void req.socket.destroy(); // done, but the answer is lost
      send(res, requestId, answer);
    } catch (err) {
      if (err instanceof TencentApiError) return void sendError(res, requestId, err);
      if (isEmulatorError(err)) return void sendError(res, requestId, fromEmulatorError(err));
      log.error('action failed', { action, requestId, error: err });
      sendError(res, requestId, new TencentApiError('InternalError', 'An internal error occurred.'));
    }
  };

  const app = createEmulatorApp(cloud);
  // Raw bytes: the signature covers the body exactly as sent.
  app.post('/', express.raw({ type: () => true, limit: '2mb' }), serve);

  const handle = await serveEmulator(cloud, app, opts, (server, c) => ({
    TENCENT_ACCESS_KEY_ID: c.accessKeyId,
    TENCENT_ACCESS_KEY_SECRET: c.accessKeySecret,
    TENCENT_REGION: DEFAULT_REGION,
    TENCENT_ENDPOINT: server.url,
  }));
  log.info('tencent emulator listening', { url: handle.url, backing: cloud.backing.kind });
  return handle;
}

const REFUSALS: RefusalWording = {
  // Tencent sends no retry-after; clients back off on their own.
  throttled: () => new TencentApiError('RequestLimitExceeded', 'Your current request times exceed the frequency limit.'),
  // A broken gateway: the status is the fault's, the body still Tencent's envelope.
  serverError: (status, message) => new TencentApiError('InternalError', message, status),
};

/** X-TC-Region, checked against the catalog. */
function regionOf(regionName: string | undefined): TencentRegion {
  if (!regionName) throw new TencentApiError('MissingParameter', 'The request is missing the X-TC-Region header.');
  const region = REGIONS.find((r) => r.region === regionName);
  if (!region) throw new TencentApiError('UnsupportedRegion', `The region \`${regionName}\` is not supported.`);
  return region;
}

function jsonBody(body: Buffer): unknown {
  try {
    return body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw new TencentApiError('InvalidParameter', 'The request body is not valid JSON.');
  }
}
