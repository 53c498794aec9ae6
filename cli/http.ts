/**
 * The user CLI's only way to the platform: HTTP to the API with the bearer token — JSON requests,
 * and the box's Server-Sent Events stream read as an async iterator. Every failure becomes a
 * CliError with the exit code a script can branch on and the API's own message.
 */
import type { VibeBox } from '../api/schemas';
import { CliError, EXIT, exitCodeForStatus } from './exitCodes';

export interface BoxEvent {
  event: 'box' | 'deleted' | string;
  data: unknown;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async fetch(method: string, path: string, init: { body?: unknown; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        signal: init.signal,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: init.accept ?? 'application/json',
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const cause = (err as { cause?: Error }).cause;
      throw new CliError(EXIT.unavailable, `cannot reach the API at ${this.baseUrl}: ${cause?.message ?? (err as Error).message}`);
    }
    if (!res.ok) {
      const text = await res.text();
      let message = text.trim() || res.statusText;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        /* not our error shape: keep the text */
      }
      throw new CliError(exitCodeForStatus(res.status), `${method} ${path}: ${res.status} ${message}`);
    }
    return res;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, { body });
    return (await res.json()) as T;
  }

  getBox(id: string): Promise<VibeBox> {
    return this.json<VibeBox>('GET', `/api/vibeboxes/${encodeURIComponent(id)}`);
  }

  /** The box's live status stream (GET …/events), event by event, until the API ends it or `signal` aborts. */
  async *events(id: string, signal?: AbortSignal): AsyncGenerator<BoxEvent> {
    const res = await this.fetch('GET', `/api/vibeboxes/${encodeURIComponent(id)}/events`, { signal, accept: 'text/event-stream' });
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: RegExpExecArray | null;
      while ((cut = /\r?\n\r?\n/.exec(buffer))) {
        const block = buffer.slice(0, cut.index);
        buffer = buffer.slice(cut.index + cut[0].length);
        const parsed = parseEventBlock(block);
        if (parsed) yield parsed;
      }
    }
  }
}

/** One SSE block → its event; comment-only blocks (keep-alives) → undefined. */
export function parseEventBlock(block: string): BoxEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (!data.length) return undefined;
  const text = data.join('\n');
  try {
    return { event, data: JSON.parse(text) };
  } catch {
    return { event, data: text };
  }
}
