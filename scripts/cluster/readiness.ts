/**
 * Readiness probes of the cluster runner's processes, as plain data (they are saved in the run
 * directory with the rest of a process's spec, so another command can restart it):
 *   http      — the URL answers 2xx (the API's /healthz);
 *   tcp       — something accepts connections on the port (an emulator);
 *   sql       — Postgres answers a query (accepting TCP is not enough: it may still be recovering);
 *   temporal  — `temporal operator cluster health` says SERVING;
 *   worker    — the Temporal server has seen a workflow-task poll from this very pid on the task
 *               queue (the SDK's identity is `<pid>@<hostname>`), i.e. the worker is taking work.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';

export type ReadinessProbe =
  | { kind: 'http'; url: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'sql'; url: string }
  | { kind: 'temporal'; address: string }
  | { kind: 'worker'; address: string; namespace: string; taskQueue: string };

const run = promisify(execFile);

/** true when ready, else a short reason (shown if the wait times out). */
export async function probeReady(probe: ReadinessProbe, pid: number): Promise<true | string> {
  try {
    switch (probe.kind) {
      case 'http': {
        const res = await fetch(probe.url, { signal: AbortSignal.timeout(3_000) });
        return res.ok || `HTTP ${res.status}`;
      }
      case 'tcp':
        return await tcpOpen(probe.host, probe.port);
      case 'sql': {
        const client = new PgClient({ connectionString: probe.url, connectionTimeoutMillis: 3_000 });
        try {
          await client.connect();
          await client.query('SELECT 1');
          return true;
        } finally {
          await client.end().catch(() => undefined);
        }
      }
      case 'temporal':
        return (await temporalServing(probe.address)) || 'not SERVING';
      case 'worker':
        return (await workerPolling(probe, `${pid}@${os.hostname()}`)) || 'no poll from this pid yet';
    }
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}

export async function temporalServing(address: string): Promise<boolean> {
  const { stdout } = await run('temporal', ['operator', 'cluster', 'health', '--address', address, '--command-timeout', '3s']);
  return stdout.includes('SERVING');
}

export function tcpOpen(host: string, port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(3_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve('connect timed out')));
    socket.once('error', (err) => resolve(err.message));
  });
}

async function workerPolling(probe: { address: string; namespace: string; taskQueue: string }, identity: string): Promise<boolean> {
  const connection = await Connection.connect({ address: probe.address, connectTimeout: 3_000 });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace: probe.namespace,
      taskQueue: { name: probe.taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW (the enum lives in @temporalio/proto, not a dependency of ours)
    });
    return (pollers ?? []).some((p) => p.identity === identity);
  } finally {
    await connection.close();
  }
}
