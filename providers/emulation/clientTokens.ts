/**
 * Client-token idempotency, as clouds do it: a create repeated with the same token (same access
 * key and region) makes nothing new and answers with the instances the first one made; the same
 * token with different parameters is refused.
 */
import { EmulatorError } from './errors';
import type { CreateRequest } from './model';

export interface TokenEntry {
  instanceIds: string[];
  /** The parameters that must match for a repeat to count as the same request. */
  fingerprint: string;
}

export class ClientTokens {
  private readonly entries = new Map<string, TokenEntry>();

  /** The ids an earlier create with this token made, or undefined when the token is new (or absent). */
  recall(req: CreateRequest): string[] | undefined {
    const key = tokenKey(req);
    const known = key ? this.entries.get(key) : undefined;
    if (!known) return undefined;
    if (known.fingerprint !== fingerprint(req)) {
      throw new EmulatorError('InvalidParameter', 'the client token was already used with different parameters', {
        reason: 'IdempotentParameterMismatch',
      });
    }
    return [...known.instanceIds];
  }

  remember(req: CreateRequest, instanceIds: string[]): void {
    const key = tokenKey(req);
    if (key) this.entries.set(key, { instanceIds, fingerprint: fingerprint(req) });
  }

  clear(): void {
    this.entries.clear();
  }

  /** Every remembered token, for the state file. */
  saved(): Array<[string, TokenEntry]> {
    return [...this.entries].map(([k, e]) => [k, { instanceIds: [...e.instanceIds], fingerprint: e.fingerprint }]);
  }

  restore(saved: ReadonlyArray<[string, TokenEntry]>): void {
    this.entries.clear();
    for (const [k, e] of saved) this.entries.set(k, { instanceIds: [...e.instanceIds], fingerprint: e.fingerprint });
  }
}

function tokenKey(req: CreateRequest): string | undefined {
  return req.clientToken ? `${req.owner ?? ''}\u0000${req.region}\u0000${req.clientToken}` : undefined;
}

function fingerprint(req: CreateRequest): string {
  return JSON.stringify([req.region, req.zone ?? '', req.instanceType, req.imageId, req.amount ?? 1]);
}
