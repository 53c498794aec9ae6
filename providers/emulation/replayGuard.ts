/**
 * Replay protection for the cloud emulators: a signed request may be received once. Each cloud
 * layer names what makes a request unique (Aliyun and ECloud: the signature nonce; Tencent,
 * whose TC3 signature carries no nonce: the signature itself). A key seen again inside the
 * clock-skew window is a replay; outside the window the timestamp check already refuses it, so
 * entries are dropped then.
 */

export class ReplayGuard {
  /** key → expiry (ms); a Map keeps insertion order, so expired keys are at the front. */
  private readonly seen = new Map<string, number>();

  /**
   * @param windowMs how long a key is remembered: the cloud's whole timestamp window (skew both
   *   ways), so a request is never both fresh by its timestamp and forgotten here.
   */
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records `key`; true on its first use, false when it was seen before (a replay). */
  use(key: string): boolean {
    const now = this.now();
    for (const [k, expiresAt] of this.seen) {
      if (expiresAt > now) break;
      this.seen.delete(k);
    }
    if (this.seen.has(key)) return false;
    this.seen.set(key, now + this.windowMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
