/**
 * The load of a chaos scenario: box requests (POST /api/vibeboxes) sent all at once, spread over
 * the API processes and the clouds round-robin, each outcome recorded — a 202 with the box's id,
 * a refusal with its status, or no answer at all. "No lost request" is checked against these.
 */
import type { ChaosEnvironment, ChaosUser } from './environment';

export interface BoxRequest {
  seq: number;
  cloud: string;
  /** Which API process (0-based) it went to. */
  api: number;
  /** ms since the scenario began. */
  sentAt: number;
  answeredAt: number;
  /** The HTTP status; 0 when no answer came. */
  status: number;
  /** The box's id, on a 202. */
  id?: string;
  /** The error code of a refusal, or why no answer came. */
  error?: string;
  /** 'load', or the fault during whose outage the request was sent. */
  phase: string;
}

export interface LoadSpec {
  count: number;
  clouds: readonly string[];
  /** Numbering continues across calls within a scenario. */
  firstSeq: number;
  /** The scenario's start (Date.now()), which sentAt and answeredAt are relative to. */
  t0: number;
  phase: string;
}

/** A request that was answered 202 and named its box. */
export const accepted = (r: BoxRequest): r is BoxRequest & { id: string } => r.status === 202 && typeof r.id === 'string';

export async function requestBoxes(env: ChaosEnvironment, user: ChaosUser, spec: LoadSpec): Promise<BoxRequest[]> {
  const apis = env.cluster.apis.length;
  return Promise.all(
    Array.from({ length: spec.count }, async (_, i) => {
      const seq = spec.firstSeq + i;
      const cloud = spec.clouds[seq % spec.clouds.length];
      const api = seq % apis;
      const sentAt = Date.now() - spec.t0;
      const res = await env.call(api, user.token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: cloud });
      const request: BoxRequest = { seq, cloud, api, sentAt, answeredAt: Date.now() - spec.t0, status: res.status, phase: spec.phase };
      if (res.status === 202) request.id = res.body?.id;
      else request.error = res.error ?? res.body?.error?.code ?? String(res.body).slice(0, 80);
      return request;
    }),
  );
}
