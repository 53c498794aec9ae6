/**
 * Prometheus metrics plumbing shared by the API and the worker: a registry per process role (not
 * prom-client's global one — tests run several platforms in one process), the text exposition,
 * and a tiny HTTP server for a process that has no HTTP server of its own (the worker). Knows no
 * domain: which metrics exist is decided by api/metrics.ts and activities/metrics.ts.
 */
import http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry with the process's own figures (CPU, memory, event-loop lag, GC) under `prefix`. */
export function newRegistry(prefix: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}

/**
 * Serves `GET /metrics` with what `render` returns (Prometheus text format); anything else is 404.
 * Port 0 picks a free port: the handle says which.
 */
export async function serveMetrics(host: string, port: number, render: () => Promise<string>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    render().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://${host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The text another exporter serves (the Temporal SDK runtime's), to append to ours so one scrape
 * sees both. An exporter that does not answer within the deadline adds a comment, not a failure:
 * our own figures still go out.
 */
export async function scrape(url: string, deadlineMs = 2_000): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(deadlineMs) });
    if (!res.ok) return `# ${url} answered ${res.status}\n`;
    return await res.text();
  } catch (err) {
    return `# ${url} unavailable: ${(err as Error).message}\n`;
  }
}
