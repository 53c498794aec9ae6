/** The Grafana dashboard in docs/ only queries series the API and the worker really export. */
import fs from 'node:fs';
import path from 'node:path';
import { WorkerMetrics } from '../../activities/metrics';
import { ApiMetrics, routeNamer } from '../../api/metrics';

it('every vibebox_* series the dashboard queries is defined by ApiMetrics or WorkerMetrics', async () => {
  const dashboard = JSON.parse(fs.readFileSync(path.join(__dirname, '../../docs/grafana-dashboard.json'), 'utf8')) as {
    panels: Array<{ targets: Array<{ expr: string }> }>;
  };
  const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/vibebox_[a-z_]+/g) ?? [])).map((n) => n.replace(/_(bucket|count|sum)$/, '')));
  const defined = new Set([...(await new ApiMetrics([]).registry.getMetricsAsJSON()), ...(await new WorkerMetrics().registry.getMetricsAsJSON())].map((m) => m.name));
  expect(queried.size).toBeGreaterThan(5);
  expect([...queried].filter((n) => !defined.has(n))).toEqual([]);
});

it('names a request by the documented path it falls under, never by its own path', () => {
  const name = routeNamer(['/api/vibeboxes', '/api/vibeboxes/{id}', '/api/vibeboxes/{id}/happy/pairing', '/api/openapi.json']);
  expect(name('/api/vibeboxes')).toBe('/api/vibeboxes');
  expect(name('/api/vibeboxes/vb-0123456789')).toBe('/api/vibeboxes/{id}');
  expect(name('/api/vibeboxes/vb-0123456789/happy/pairing')).toBe('/api/vibeboxes/{id}/happy/pairing');
  expect(name('/api/openapiXjson')).toBe('unmatched');
  expect(name('/api/vibeboxes/a/b/c')).toBe('unmatched');
});
