/**
 * Instance quotas: live (not deleted) instances allowed per access key and region, as a cloud
 * account's quota. One limit can be set per region, or one for every region without its own.
 */

/** Live instances per access key and region nobody has set a limit for. */
export const DEFAULT_QUOTA_PER_REGION = 100;

const EVERY_REGION = '*';

export class Quotas {
  private readonly limits = new Map<string, number>();

  constructor(private readonly defaultLimit = DEFAULT_QUOTA_PER_REGION) {}

  /** In `region`, or in every region without one of its own when region is absent. */
  set(maxInstances: number, region?: string): void {
    this.limits.set(region ?? EVERY_REGION, Math.max(0, Math.floor(maxInstances)));
  }

  of(region: string): number {
    return this.limits.get(region) ?? this.limits.get(EVERY_REGION) ?? this.defaultLimit;
  }

  clear(): void {
    this.limits.clear();
  }

  /** Every level set (the rest are the default), for the state file. */
  saved(): Array<[string, number]> {
    return [...this.limits];
  }

  restore(saved: ReadonlyArray<[string, number]>): void {
    this.limits.clear();
    for (const [k, v] of saved) this.limits.set(k, v);
  }
}
