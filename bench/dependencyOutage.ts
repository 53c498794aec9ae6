/**
 * What the API answers while a dependency is away, and how long it takes to say so: GET with
 * Postgres frozen or down, create and stop with Temporal down or frozen. The API runs in this
 * process, reaching the shared Postgres and Temporal through links this benchmark controls
 * (tests/support/faultyLink.ts): the shared services are never touched. No worker runs; the
 * figures are the API's own.
 *
 *   DATABASE_URL=… TEMPORAL_ADDRESS=… VIBEBOX_SECRET_KEY=… npx tsx bench/dependencyOutage.ts [--tries 3]
 *
 * (scripts/test.sh exports those three; see bench/README.md for a one-liner.)
 */
import './quietLogs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { startApi } from '../api/server';
import { createUserWithToken } from '../api/users';
import { newVibeBoxId } from '../api/vibeboxService';
import { users, vibeboxes } from '../drizzle/schema';
import { loadConfig } from '../lib/config';
import { connectDatabase, migrateDatabase } from '../lib/db';
import { FaultyLink } from '../tests/support/faultyLink';

/** No request may hang the benchmark: a request still waiting after this is reported as a hang. */
const CLIENT_LIMIT_MS = 60_000;

interface Sample {
  status: number | 'hang';
  ms: number;
  retryAfter: string | null;
  code?: string;
}

function hostPort(address: string): { host: string; port: number } {
  const [host, port] = address.split(':');
  return { host, port: Number(port) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { tries: { type: 'string', default: '3' } } });
  const tries = Number(values.tries);
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl || !process.env.TEMPORAL_ADDRESS) throw new Error('set DATABASE_URL and TEMPORAL_ADDRESS (see bench/README.md)');
  const pgUrl = new URL(databaseUrl);
  const pgLink = await FaultyLink.open({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
  const temporalLink = await FaultyLink.open(hostPort(process.env.TEMPORAL_ADDRESS));
  const env = {
    ...process.env,
    DATABASE_URL: pgLink.rewrite(databaseUrl),
    TEMPORAL_ADDRESS: temporalLink.address,
    TEMPORAL_TASK_QUEUE: `bench-outage-${randomUUID().slice(0, 8)}`,
    PORT: '0',
  };
  const direct = connectDatabase(databaseUrl);
  await migrateDatabase(direct);
  const api = await startApi(loadConfig(env), { env });
  const { token, userId } = await createUserWithToken(direct.db, `outage-${randomUUID().slice(0, 8)}@bench.vibebox`);
  const boxId = newVibeBoxId();
  await direct.db.insert(vibeboxes).values({ id: boxId, userId, planId: 'basic', status: 'active' });

  const call = async (method: string, path: string, body?: unknown): Promise<Sample> => {
    const started = performance.now();
    try {
      const res = await fetch(api.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(CLIENT_LIMIT_MS),
      });
      const json = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
      return { status: res.status, ms: performance.now() - started, retryAfter: res.headers.get('retry-after'), code: json?.error?.code };
    } catch {
      return { status: 'hang', ms: performance.now() - started, retryAfter: null };
    }
  };
  const rows: Array<[string, Sample[]]> = [];
  const measure = async (label: string, request: () => Promise<Sample>) => {
    const samples: Sample[] = [];
    for (let i = 0; i < tries; i++) samples.push(await request());
    rows.push([label, samples]);
  };
  const get = () => call('GET', `/api/vibeboxes/${boxId}`);
  const create = () => call('POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' });
  const stop = () => call('POST', `/api/vibeboxes/${boxId}/stop`);

  try {
    await measure('GET, all up', get);
    pgLink.freeze();
    await measure('GET, Postgres frozen', get);
    pgLink.down();
    await measure('GET, Postgres down', get);
    pgLink.restore();
    await measure('GET, Postgres back', get);
    await measure('GET /readyz, all up', () => call('GET', '/readyz'));
    // Frozen with the connection made (readyz made it): requests go out and nothing comes back.
    temporalLink.freeze();
    await measure('POST create, Temporal frozen', create);
    await measure('POST stop, Temporal frozen', stop);
    await measure('GET /readyz, Temporal frozen', () => call('GET', '/readyz'));
    temporalLink.down();
    await measure('POST create, Temporal down', create);
    await measure('POST stop, Temporal down', stop);
    temporalLink.restore();
  } finally {
    pgLink.restore();
    temporalLink.restore();
    await api.close();
    await direct.db.delete(users).where(eq(users.id, userId));
    await direct.close();
    await Promise.all([pgLink.close(), temporalLink.close()]);
  }

  const fmt = (s: Sample) => `${s.status}${s.code ? ` ${s.code}` : ''}${s.retryAfter ? ` (Retry-After ${s.retryAfter})` : ''}`;
  console.log(`| request | answers | ms per try (${tries} tries) |`);
  console.log('|---|---|---|');
  for (const [label, samples] of rows) {
    const answers = [...new Set(samples.map(fmt))].join(', ');
    console.log(`| ${label} | ${answers} | ${samples.map((s) => Math.round(s.ms)).join(' / ')} |`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
