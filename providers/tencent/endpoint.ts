/**
 * Where the SDK sends requests. The SDK derives two signed facts from its endpoint: the service
 * of the credential scope (the host's first label) and the signed host (without port). Pointing
 * it at `127.0.0.1:PORT` would sign service "127" and host "127.0.0.1" — nothing like production.
 * So for a local address we keep the real host and only change where the socket goes: an
 * http.Agent whose createConnection dials the given address. Host header, scope and signature
 * are then exactly what the real cloud would receive.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

export const CVM_HOST = 'cvm.tencentcloudapi.com';

/** The subset of the SDK's HttpProfile we set. */
export interface CvmHttpProfile {
  endpoint: string;
  protocol?: string;
  agent?: http.Agent;
  reqTimeout: number;
}

/** Sends every request, whatever its Host, to one fixed address. */
class PinnedAgent extends http.Agent {
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    // Keep-alive: one connection per request would cost more than the request (bench/providerCreate.ts).
    super({ keepAlive: true });
  }

  override createConnection(_options: http.ClientRequestArgs, _callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    return net.createConnection({ host: this.host, port: this.port });
  }
}

/**
 * `endpoint` forms:
 * - absent: the public endpoint over HTTPS;
 * - `http://HOST:PORT` (the emulator, a recording proxy): dialled via PinnedAgent, real host kept;
 * - a host name, optionally with `https://` (e.g. `cvm.ap-guangzhou.tencentcloudapi.com`, the
 *   internal `cvm.internal.tencentcloudapi.com`): used as the SDK's endpoint as it is.
 */
export function cvmHttpProfile(endpoint: string | undefined, timeoutSeconds: number): CvmHttpProfile {
  if (!endpoint) return { endpoint: CVM_HOST, reqTimeout: timeoutSeconds };
  if (endpoint.startsWith('http://')) {
    const url = new URL(endpoint);
    const port = url.port ? Number(url.port) : 80;
    return { endpoint: CVM_HOST, protocol: 'http://', agent: new PinnedAgent(url.hostname.replace(/^\[|\]$/g, ''), port), reqTimeout: timeoutSeconds };
  }
  return { endpoint: endpoint.replace(/^https:\/\//, '').replace(/\/+$/, ''), reqTimeout: timeoutSeconds };
}
