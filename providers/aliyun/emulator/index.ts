/**
 * An HTTP emulator of the ECS API (2014-05-26) on the cloud-neutral emulation core: it owns only
 * the wire protocol — RPC dispatch on `x-acs-action` (here), signature checks (auth.ts), the
 * actions (actions.ts), ECS's error codes and envelope (errors.ts) and instance fields
 * (render.ts). Instances, stock, throttling, faults and the control API come from
 * providers/emulation; what backs each instance is the caller's choice (opts.backing).
 *
 * The official SDK, unmodified, talks to it with `endpoint: '127.0.0.1:PORT', protocol: 'http'`.
 */
import express, { Request, Response } from 'express';
import { createLogger } from '../../../lib/logger';
import {
  CloudCatalog,
  EmulatedCloud,
  EmulatorHandle,
  EmulatorOptions,
  createEmulatorApp,
  enforceDecision,
  isEmulatorError,
  lowerAlphanumericId,
  mintRequestId,
  serveEmulator,
} from '../../emulation';
import { ALIYUN_INSTANCE_TYPES, ALIYUN_REGIONS, DEFAULT_REGION, regionEndpoint } from '../catalog';
import { ECS_ACTIONS, HOURS_PER_MONTH } from './actions';
import { IncomingCall, authenticate, newNonceGuard } from './auth';
import { AliyunApiError, fromEmulatorError, internalError, sendAliyunError, sendAliyunJson, throttled } from './errors';
import type { InstanceExtras } from './render';

/** The catalog the emulated cloud sells: the adapter's own data, priced per hour as ECS quotes pay-as-you-go. */
export const ALIYUN_EMULATOR_CATALOG: CloudCatalog = {
  regions: ALIYUN_REGIONS.map((r) => ({ regionId: r.regionId, name: r.localName, zones: [...r.zones] })),
  instanceTypes: ALIYUN_INSTANCE_TYPES.map((t) => ({
    instanceType: t.instanceType,
    cpu: t.cpu,
    memoryGiB: t.memoryGiB,
    family: t.family,
    price: t.priceCnyPerMonth / HOURS_PER_MONTH,
  })),
};

export async function startAliyunEmulator(opts: EmulatorOptions): Promise<EmulatorHandle> {
  const log = createLogger('emulator', { cloud: 'aliyun' });
  const cloud = new EmulatedCloud({
    cloud: 'aliyun',
    catalog: ALIYUN_EMULATOR_CATALOG,
    delays: opts.delays,
    backing: opts.backing,
    newInstanceId: () => lowerAlphanumericId('i-', 20), // ECS's shape: `i-` and 20 lower-case alphanumerics
    defaultDiskGiB: 40,
    logger: log,
  });
  const secrets = new Map(opts.credentials.map((c) => [c.accessKeyId, c.accessKeySecret]));
  const nonces = newNonceGuard();
  const extras = cloud.sideTable<InstanceExtras>('extras'); // saved with the state

  const app = createEmulatorApp(cloud);
  // RPC style: every action is `/`, the action named by a header (V3) or a query parameter (V2).
  app.all('/', express.raw({ type: () => true, limit: '1mb' }), (req: Request, res: Response) => {
    const requestId = mintRequestId('uuid-upper'); // ECS answers with upper-case UUIDs
    const hostId = req.headers.host ?? regionEndpoint(DEFAULT_REGION);
    try {
      const call = authenticate(incoming(req), secrets, nonces);
      const handler = ECS_ACTIONS[call.action];
      if (!handler) throw new AliyunApiError(404, 'InvalidAction.NotFound', `Specified api "${call.action}" is not found, please check your url and method.`);
      // 'hang': never answer, the client's read timeout is what is being tested.
      const verdict = enforceDecision(cloud.admit(call.action, call.accessKeyId), { throttled, serverError: internalError });
      if (verdict === 'hang') return;
      const body = handler({ cloud, accessKeyId: call.accessKeyId, params: call.params, extras });
      if (verdict === 'serveThenDrop') return void req.socket.destroy(); // done, but the answer is lost
      sendAliyunJson(res, 200, { RequestId: requestId, ...body });
    } catch (err) {
      sendAliyunError(res, toApiError(err), requestId, hostId);
    }
  });

  const host = opts.host ?? '127.0.0.1';
  return serveEmulator(cloud, app, opts, (server, credentials) => ({
    ALIYUN_ACCESS_KEY_ID: credentials.accessKeyId,
    ALIYUN_ACCESS_KEY_SECRET: credentials.accessKeySecret,
    // The SDK takes a host:port endpoint and the protocol apart.
    ALIYUN_ENDPOINT: `${host}:${server.port}`,
    ALIYUN_OPTION_PROTOCOL: 'http',
    ALIYUN_REGION: DEFAULT_REGION,
  }));
}

function incoming(req: Request): IncomingCall {
  const url = new URL(req.originalUrl, 'http://emulator');
  return {
    method: req.method,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  };
}

function toApiError(err: unknown): AliyunApiError {
  if (err instanceof AliyunApiError) return err;
  if (isEmulatorError(err)) return fromEmulatorError(err);
  return internalError(500, err instanceof Error ? err.message : String(err));
}
