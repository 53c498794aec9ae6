/**
 * Prometheus metrics plumbing (prom-client): one registry per process part — the API and the
 * worker each have their own, so two parts sharing a process (tests, the run command) never
 * count into each other — with Node's process metrics, and the text exposition as an HTTP
 * handler. What is counted is the caller's business; this module knows no domain.
 */
import http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Answers a scrape: the registry in Prometheus' text format. */
export async function writeMetrics(registry: Registry, res: http.ServerResponse): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType });
  res.end(body);
}

/** A server of its own that answers GET /metrics (for processes with no HTTP server, the worker). */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') return void writeMetrics(registry, res).catch(() => res.writeHead(500).end());
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://${host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
