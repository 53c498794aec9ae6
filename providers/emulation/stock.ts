/**
 * Stock per region, zone and instance type: what lets a test (or the control API) make a zone
 * sell out, so an adapter's no-stock error and the workflow's failover can be exercised.
 * Creating takes stock; a finished delete gives one back.
 */

/** Stock of every region/zone/type nobody has set. */
export const DEFAULT_STOCK = 1000;

export class Stock {
  private readonly levels = new Map<string, number>();

  constructor(private readonly defaultLevel = DEFAULT_STOCK) {}

  set(region: string, zone: string, instanceType: string, count: number): void {
    this.levels.set(key(region, zone, instanceType), Math.max(0, Math.floor(count)));
  }

  of(region: string, zone: string, instanceType: string): number {
    return this.levels.get(key(region, zone, instanceType)) ?? this.defaultLevel;
  }

  /** The caller has checked there is enough. */
  take(region: string, zone: string, instanceType: string, count: number): void {
    this.set(region, zone, instanceType, this.of(region, zone, instanceType) - count);
  }

  /** A deleted instance's capacity is free again. */
  giveBack(region: string, zone: string, instanceType: string): void {
    this.set(region, zone, instanceType, this.of(region, zone, instanceType) + 1);
  }

  clear(): void {
    this.levels.clear();
  }

  /** Every level set (the rest are the default), for the state file. */
  saved(): Array<[string, number]> {
    return [...this.levels];
  }

  restore(saved: ReadonlyArray<[string, number]>): void {
    this.levels.clear();
    for (const [k, v] of saved) this.levels.set(k, v);
  }
}

function key(region: string, zone: string, instanceType: string): string {
  return `${region}/${zone}/${instanceType}`;
}
