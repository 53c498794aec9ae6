/**
 * The small signed ECloud client (there is no npm SDK): signs the query with BC-Signature V2.0,
 * sends JSON, unwraps the `{requestId, state, body, errorCode, errorMessage}` envelope and turns
 * anything but state OK into a ProviderError. Network failures and timeouts are Transient.
 * The URL carries the signature, so neither it nor the secret ever goes into an error message.
 */
import { ProviderError } from '../errors';
import { findRegion } from './catalog';
import { toProviderError } from './errors';
import { SignatureMethod, signRequest } from './signature';
import { OPERATIONS, OperationName, REGION_HEADER, REGION_HEADER_VALUE, TIMESTAMP_STYLE, isRecord } from './wire';

export interface EcloudClientOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** Base URL for a region (scheme, host, port). */
  endpointFor(region: string): string;
  signatureMethod?: SignatureMethod;
  timeoutMs?: number;
}

export interface CallOptions {
  query?: Record<string, string>;
  body?: Record<string, unknown>;
  region: string;
}

export interface EcloudResponse {
  requestId?: string;
  body: unknown;
}

export class EcloudClient {
  constructor(private readonly opts: EcloudClientOptions) {}

  /** Calls a named operation (its method and path from wire.ts). */
  operation(op: OperationName, options: CallOptions): Promise<EcloudResponse> {
    const { method, path } = OPERATIONS[op];
    return this.call(method, path, options, op);
  }

  async call(method: string, path: string, options: CallOptions, action = path): Promise<EcloudResponse> {
    const signed = signRequest({
      accessKey: this.opts.accessKeyId,
      secretKey: this.opts.accessKeySecret,
      method,
      path,
      query: options.query,
      signatureMethod: this.opts.signatureMethod,
      timestampStyle: TIMESTAMP_STYLE,
    });
    const url = `${this.opts.endpointFor(options.region).replace(/\/+$/, '')}${path}?${signed.queryString}`;
    const region = findRegion(options.region);
    const regionHeader = region ? region[REGION_HEADER_VALUE] : options.region;

    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', [REGION_HEADER]: regionHeader },
        body: method === 'GET' ? undefined : JSON.stringify(options.body ?? {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw networkError(err, action);
    }

    const text = await res.text().catch(() => '');
    const envelope = parseEnvelope(text);
    const retryAfterSeconds = parseRetryAfter(res.headers.get('retry-after'));
    if (!envelope) {
      // A gateway error page, or a proxy's: only the HTTP status says anything.
      throw toProviderError({ httpStatus: res.status, action, retryAfterSeconds, errorMessage: `non-JSON answer (HTTP ${res.status})` });
    }
    if (envelope.state !== 'OK' || res.status >= 400) {
      throw toProviderError({
        httpStatus: res.status,
        state: envelope.state,
        errorCode: envelope.errorCode,
        errorMessage: envelope.errorMessage,
        requestId: envelope.requestId,
        retryAfterSeconds,
        action,
      });
    }
    return { requestId: envelope.requestId, body: envelope.body };
  }
}

interface Envelope {
  requestId?: string;
  state?: string;
  body?: unknown;
  errorCode?: string;
  errorMessage?: string;
}

function parseEnvelope(text: string): Envelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || typeof parsed.state !== 'string') return undefined;
  const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    requestId: s(parsed.requestId),
    // Some gateways answer "ok" in lower case (a cloud-PC client's tests show it).
    state: parsed.state.toUpperCase(),
    body: parsed.body,
    errorCode: s(parsed.errorCode),
    errorMessage: s(parsed.errorMessage),
  };
}

function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** Connection refused, DNS, reset, timeout: the request may not have arrived — Transient. */
function networkError(err: unknown, action: string): ProviderError {
  const e = err as { name?: string; cause?: { code?: string } };
  const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
  const code = timedOut ? 'RequestTimeout' : (e.cause?.code ?? 'NetworkError');
  return new ProviderError('Transient', `chinamobile ${action}: ${timedOut ? 'request timed out' : `network error (${code})`}`, { code });
}
