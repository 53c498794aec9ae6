/**
 * Where a scenario's boxes stand, from the platform's own projection (the `vibeboxes` rows of the
 * scenario's user), polled once a second: which are settled — `active`, or `error` with a reason —
 * and when the last one settled. Faults consult it to strike only while boxes are in flight. While
 * R3 has Postgres down a poll fails and the last known state stands.
 */
import { eq } from 'drizzle-orm';
import { vibeboxes } from '../../drizzle/schema';
import type { ChaosEnvironment } from './environment';

export interface BoxProgress {
  status: string;
  lastError: string | null;
}

export const isSettled = (b: BoxProgress) => b.status === 'active' || (b.status === 'error' && !!b.lastError?.trim());

export class Progress {
  private boxes = new Map<string, BoxProgress>();
  private loadDone = false;
  /** ms since t0 when every box was first seen settled (undefined until then). */
  convergedAt: number | undefined;

  constructor(
    private readonly env: ChaosEnvironment,
    private readonly userId: string,
    private readonly t0: number,
  ) {}

  /** Every request has been answered: from now on "all rows settled" means converged. */
  markLoadDone(): void {
    this.loadDone = true;
  }

  /** Boxes known and not yet settled. */
  unsettled(): string[] {
    return [...this.boxes].filter(([, b]) => !isSettled(b)).map(([id]) => id);
  }

  get converged(): boolean {
    return this.loadDone && this.boxes.size > 0 && this.unsettled().length === 0;
  }

  /** Boxes are in flight: requests are still out, or some box has not settled. */
  get inFlight(): boolean {
    return !this.converged;
  }

  async poll(): Promise<void> {
    let rows: Array<{ id: string; status: string; lastError: string | null }>;
    try {
      rows = await this.env.database.db
        .select({ id: vibeboxes.id, status: vibeboxes.status, lastError: vibeboxes.lastError })
        .from(vibeboxes)
        .where(eq(vibeboxes.userId, this.userId));
    } catch {
      return; // Postgres down (R3): keep what we knew
    }
    this.boxes = new Map(rows.map((r) => [r.id, { status: r.status, lastError: r.lastError }]));
    if (this.converged && this.convergedAt === undefined) this.convergedAt = Date.now() - this.t0;
    if (!this.converged) this.convergedAt = undefined;
  }

  /** Polls until converged or `timeoutMs` after t0 passes; `stop()` of the returned handle ends it early. */
  watch(timeoutMs: number): { done: Promise<void>; stop(): void } {
    let stopped = false;
    const done = (async () => {
      while (!stopped && Date.now() - this.t0 < timeoutMs) {
        await this.poll();
        if (this.converged) return;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();
    return { done, stop: () => void (stopped = true) };
  }
}
