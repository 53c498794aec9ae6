/**
 * Live status: GET /api/vibeboxes/:id/events streams a box's status and step as Server-Sent
 * Events. No polling: every write to a box's row raises a Postgres NOTIFY (trigger in
 * drizzle/migrations/0005), one LISTEN connection per API process hears them all, and each
 * stream re-reads its box when told — the Postgres projection is what GET serves, so the stream
 * and GET never disagree. Streams are bounded per user (policies.events).
 *
 * Events: `box` (the VibeBox resource, sent on connect and on each change of it) and `deleted`
 * (the box is gone; the stream ends). Lines starting with ':' keep an idle stream alive.
 */
import type { Request, Response } from 'express';
import { listenToChannel, type ChannelListener } from '../lib/pgListener';
import { createLogger } from '../lib/logger';
import { policies } from '../workflows/policies';
import type { AuthedUser } from './auth';
import { HttpError, unavailable } from './errors';
import type { VibeBox } from './schemas';

const log = createLogger('api');

/** The channel the vibeboxes trigger notifies, with the box id as payload. */
export const BOX_CHANGED_CHANNEL = 'vibebox_changed';

export interface BoxEventsDeps {
  /** Reads one of the user's boxes, throwing the 404 HttpError when there is none (the service's get). */
  getBox(user: AuthedUser, id: string): Promise<VibeBox>;
  databaseUrl: string;
}

export function createBoxEvents(deps: BoxEventsDeps) {
  const { maxStreamsPerUser, keepAliveEvery, listenRetry } = policies.events;
  /** Box id → the wake-up of each stream watching it. */
  const watchers = new Map<string, Set<() => void>>();
  const streamsOf = new Map<string, number>();
  const ends = new Set<() => void>();
  let listener: ChannelListener | undefined;

  const wakeAll = () => watchers.forEach((set) => set.forEach((wake) => wake()));

  /** Listens from the first stream on: an API nobody watches holds no extra connection. */
  function listening(): Promise<void> {
    listener ??= listenToChannel({
      connectionString: deps.databaseUrl,
      channel: BOX_CHANGED_CHANNEL,
      onNotify: (id) => watchers.get(id)?.forEach((wake) => wake()),
      onReconnect: wakeAll,
      onProblem: (err) => log.warn('box change listener lost its connection; reconnecting', { error: err.message }),
      retryMs: listenRetry,
    });
    return listener.ready;
  }

  function watch(id: string, wake: () => void): () => void {
    const set = watchers.get(id) ?? new Set();
    watchers.set(id, set.add(wake));
    return () => {
      set.delete(wake);
      if (!set.size) watchers.delete(id);
    };
  }

  return {
    async stream(user: AuthedUser, id: string, req: Request, res: Response): Promise<void> {
      await deps.getBox(user, id); // 404 before any stream opens
      const open = streamsOf.get(user.id) ?? 0;
      if (open >= maxStreamsPerUser) {
        throw new HttpError(429, 'too_many_streams', `at most ${maxStreamsPerUser} live status streams may be open per user; close one first`);
      }
      try {
        await listening();
      } catch (err) {
        throw unavailable(`live status is unavailable: ${(err as Error).message}`);
      }
      streamsOf.set(user.id, open + 1);

      let ended = false;
      let lastSent = '';
      let reading = false;
      let readAgain = false;
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveEvery);
      const unwatch = watch(id, () => void refresh());
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(keepAlive);
        unwatch();
        ends.delete(end);
        streamsOf.set(user.id, (streamsOf.get(user.id) ?? 1) - 1);
        if (!streamsOf.get(user.id)) streamsOf.delete(user.id);
        res.end();
      };
      ends.add(end);
      req.on('close', end);

      /** Reads the box and sends it if anything but its timestamp changed; one read at a time, the last wake always served. */
      async function refresh(): Promise<void> {
        if (reading) {
          readAgain = true;
          return;
        }
        reading = true;
        try {
          do {
            readAgain = false;
            let box: VibeBox;
            try {
              box = await deps.getBox(user, id);
            } catch (err) {
              if (err instanceof HttpError && err.status === 404) {
                send('deleted', { id });
                return end();
              }
              // Postgres unreachable: say nothing now; the listener's reconnect wakes every stream.
              log.warn('live status could not read a box', { vibeboxId: id, error: (err as Error).message });
              return;
            }
            const { updatedAt: _ignored, ...facts } = box;
            const key = JSON.stringify(facts);
            if (key !== lastSent && !ended) {
              lastSent = key;
              send('box', box);
            }
          } while (readAgain && !ended);
        } finally {
          reading = false;
        }
      }

      res.status(200).set({
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        // Proxies such as nginx would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      await refresh();
    },

    /** Ends every stream (clients reconnect elsewhere) and the LISTEN connection: the API is stopping. */
    async close(): Promise<void> {
      [...ends].forEach((end) => end());
      await listener?.close();
      listener = undefined;
    },
  };
}

export type BoxEvents = ReturnType<typeof createBoxEvents>;
