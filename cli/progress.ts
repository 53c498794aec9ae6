/**
 * Following a box until it settles, from its live status stream: each step shown as it starts and
 * as it ends (with how long it took), on stderr so stdout stays for results. The stream is opened
 * again if the API ends it (a restart, a scale-down) before the box settled.
 */
import type { VibeBox } from '../api/schemas';
import { CliError, EXIT } from './exitCodes';
import type { ApiClient } from './http';

/** How a step reads in a terminal; a step this CLI does not know yet is shown by its name. */
const STEP_LABELS: Record<string, string> = {
  selecting: 'choosing a provider and region',
  creating: 'creating the server',
  booting: 'booting',
  'installing-happy': 'installing Node.js, Claude Code and Happy',
  'cleaning-up': 'cleaning up after a failed step',
  ready: 'ready',
  starting: 'starting',
  stopping: 'stopping',
  'force-stopping': 'forcing the stop',
  stopped: 'stopped',
  restarting: 'restarting',
  checking: 'asking the provider how the box is',
  deleting: 'deleting',
  'force-deleting': 'forcing the delete',
  failed: 'failed',
};
export const stepLabel = (step: string | null) => (step ? (STEP_LABELS[step] ?? step) : 'waiting for the workflow');

const SETTLED = new Set(['active', 'stopped', 'error']);
/** Reconnects to the stream (API restarting) before giving up. */
const MAX_RECONNECTS = 30;
const RECONNECT_PAUSE_MS = 1_000;

export interface FollowOptions {
  /** Only a box updated after this (the box's updatedAt before the action) counts as settled. */
  after?: string;
  timeoutMs?: number;
  /** Write progress lines here (stderr); nothing when undefined (--json). */
  out?: NodeJS.WritableStream;
}

export type Settled = { deleted: true; box?: undefined } | { deleted: false; box: VibeBox };

/** Step lines: "… step" when it starts, "✓ step (1.2s)" when the next one begins. */
class StepPrinter {
  private current?: { key: string; label: string; since: number };
  constructor(private readonly out?: NodeJS.WritableStream) {}

  show(box: VibeBox): void {
    const key = `${box.status}/${box.step}`;
    if (this.current?.key === key) return;
    const at = Date.parse(box.updatedAt);
    this.finish(at);
    const label = box.status === 'provisioning' || SETTLED.has(box.status) ? stepLabel(box.step) : `${box.status}: ${stepLabel(box.step)}`;
    this.current = { key, label, since: at };
    if (!SETTLED.has(box.status)) this.out?.write(`  … ${label}\n`);
  }

  finish(at: number): void {
    if (!this.current || SETTLED.has(this.current.key.split('/')[0])) return;
    const seconds = Math.max(at - this.current.since, 0) / 1000;
    this.out?.write(`  ✓ ${this.current.label} (${seconds.toFixed(1)}s)\n`);
    this.current = undefined;
  }
}

export async function followUntilSettled(api: ApiClient, id: string, opts: FollowOptions = {}): Promise<Settled> {
  const printer = new StepPrinter(opts.out);
  const stop = new AbortController();
  const timer = opts.timeoutMs ? setTimeout(() => stop.abort(), opts.timeoutMs) : undefined;
  const after = opts.after ? Date.parse(opts.after) : -Infinity;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const e of api.events(id, stop.signal)) {
          if (e.event === 'deleted') {
            printer.finish(Date.now());
            return { deleted: true };
          }
          if (e.event !== 'box') continue;
          const box = e.data as VibeBox;
          printer.show(box);
          if (SETTLED.has(box.status) && Date.parse(box.updatedAt) > after) return { deleted: false, box };
        }
      } catch (err) {
        if (stop.signal.aborted) throw new CliError(EXIT.timeout, `gave up waiting for ${id} after ${opts.timeoutMs! / 1000} s`);
        // An API that is restarting answers 5xx or not at all for a moment: only that is retried.
        if (!(err instanceof CliError && err.exitCode === EXIT.unavailable) && !isStreamCut(err)) throw err;
      }
      if (attempt >= MAX_RECONNECTS) throw new CliError(EXIT.unavailable, `the live status of ${id} kept breaking off`);
      await new Promise((r) => setTimeout(r, RECONNECT_PAUSE_MS));
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The API went away mid-stream (undici reports a terminated body). */
function isStreamCut(err: unknown): boolean {
  return err instanceof TypeError && /terminated|other side closed/i.test(`${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`);
}
