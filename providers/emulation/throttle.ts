/**
 * Per-access-key request throttling, as a cloud's API gateway does it: a token bucket per key
 * (off by default, so tests and local mode are never surprised), plus a forced switch that
 * throttles every call — the easy way for a test to exercise an adapter's backoff.
 */

export interface ThrottleSettings {
  /** Sustained calls per second per access key; 0 = no rate limit. */
  ratePerSecond: number;
  /** Bucket size (calls allowed in a burst); defaults to max(1, ratePerSecond). */
  burst?: number;
  /** Throttle every call, whatever the rate. */
  forced: boolean;
  /** Retry-after the forced switch reports, in seconds. */
  retryAfterSeconds: number;
}

export type ThrottleVerdict = { throttled: false } | { throttled: true; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = { ratePerSecond: 0, forced: false, retryAfterSeconds: 1 };

export class Throttle {
  private settings: ThrottleSettings = { ...DEFAULT_THROTTLE };
  private buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  configure(patch: Partial<ThrottleSettings>): ThrottleSettings {
    this.settings = { ...this.settings, ...patch };
    this.buckets.clear(); // a new rate starts with full buckets
    return this.current();
  }

  current(): ThrottleSettings {
    return { ...this.settings };
  }

  reset(): void {
    this.settings = { ...DEFAULT_THROTTLE };
    this.buckets.clear();
  }

  /** Takes one token for `accessKey`; says how long to wait when there is none. */
  consume(accessKey: string): ThrottleVerdict {
    const { ratePerSecond, forced, retryAfterSeconds } = this.settings;
    if (forced) return { throttled: true, retryAfterSeconds };
    if (!ratePerSecond || ratePerSecond <= 0) return { throttled: false };
    const burst = this.settings.burst ?? Math.max(1, ratePerSecond);
    const now = this.now();
    const bucket = this.buckets.get(accessKey) ?? { tokens: burst, updatedMs: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedMs) / 1000) * ratePerSecond);
    bucket.updatedMs = now;
    this.buckets.set(accessKey, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { throttled: false };
    }
    // Whole seconds, as clouds report them; never 0 so a client always backs off a little.
    return { throttled: true, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)) };
  }
}
