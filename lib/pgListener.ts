/**
 * One dedicated Postgres connection LISTENing on a channel, so a process hears NOTIFYs that any
 * process sends (a trigger, another API, a worker). The connection is its own, not the pool's: a
 * LISTEN holds its connection for good. When it is lost (Postgres restarted, network cut) it is
 * re-established after `retryMs`, and `onReconnect` runs — the notifications sent meanwhile are
 * gone, so the caller re-reads whatever it watches.
 */
import { Client } from 'pg';

export interface ChannelListener {
  /** Resolves once the first LISTEN is in place (or rejects if Postgres cannot be reached). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface ListenOptions {
  connectionString: string;
  channel: string;
  onNotify(payload: string): void;
  /** After the connection came back: notifications may have been missed. */
  onReconnect(): void;
  /** Called with each connection problem (for the caller's log). */
  onProblem?(err: Error): void;
  retryMs: number;
}

export function listenToChannel(opts: ListenOptions): ChannelListener {
  if (!/^[a-z_][a-z0-9_]*$/.test(opts.channel)) throw new Error(`not a plain channel name: ${opts.channel}`);
  let client: Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  async function connect(isReconnect: boolean): Promise<void> {
    const c = new Client({ connectionString: opts.connectionString });
    c.on('notification', (n) => {
      if (n.channel === opts.channel) opts.onNotify(n.payload ?? '');
    });
    const lost = (err?: Error) => {
      if (client !== c) return; // already replaced (both 'error' and 'end' fire for one loss)
      client = undefined;
      if (err) opts.onProblem?.(err);
      c.end().catch(() => undefined);
      scheduleReconnect();
    };
    c.on('error', lost);
    c.on('end', () => lost());
    await c.connect();
    if (closed) {
      await c.end();
      return;
    }
    client = c;
    try {
      await c.query(`LISTEN ${opts.channel}`);
    } catch (err) {
      client = undefined;
      await c.end().catch(() => undefined);
      throw err;
    }
    if (isReconnect) opts.onReconnect();
  }

  function scheduleReconnect(): void {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect(true).catch((err: Error) => {
        opts.onProblem?.(err);
        scheduleReconnect();
      });
    }, opts.retryMs);
  }

  const ready = connect(false);
  // A first connection that fails is retried like a lost one; `ready` still reports it.
  ready.catch(() => scheduleReconnect());
  return {
    ready,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
