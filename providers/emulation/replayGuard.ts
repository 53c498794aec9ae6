/**
 * Replay protection for the cloud emulators: a signed request may be received once. Each cloud
 * layer names what makes a request unique (Aliyun and ECloud: the signature nonce; Tencent,
 * whose TC3 signature carries no nonce: the signature itself). A key seen again inside the
 * clock-skew window is a replay; outside the window the timestamp check already refuses it, so
 * entries are dropped then.
 */

export class ReplayGuard {
  /** key → when it was first seen and when it is forgotten (ms); a Map keeps insertion order, so expired keys are at the front. */
  private readonly seen = new Map<string, { at: number; expiresAt: number }>();

  /**
   * @param windowMs how long a key is remembered: the cloud's whole timestamp window (skew both
   *   ways), so a request is never both fresh by its timestamp and forgotten here.
   */
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records `key`; undefined on its first use, else when it was first seen (ms): a replay. */
  use(key: string): number | undefined {
    const now = this.now();
    for (const [k, entry] of this.seen) {
      if (entry.expiresAt > now) break;
      this.seen.delete(k);
    }
    const earlier = this.seen.get(key);
    if (earlier) return earlier.at;
    this.seen.set(key, { at: now, expiresAt: now + this.windowMs });
    return undefined;
  }

  get size(): number {
    return this.seen.size;
  }
}
