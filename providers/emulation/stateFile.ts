/**
 * An emulated cloud's state on disk, so a restarted emulator (local mode, the standalone command
 * with --state) finds the instances it had: their records and passwords, transitions under way,
 * client tokens, stock and quota counters, the cloud layer's own per-instance notes. One JSON file,
 * replaced atomically (write a temporary file, then rename) on every change, so a crash — SIGKILL
 * included — leaves either the state before a change or the state after it, never half of one.
 * The file holds instance passwords: it is written 0600, like the data directory's other keys.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { INSTANCE_STATES, TRANSITIONS } from './model';

const STATE_VERSION = 1;

const persistedOp = z.object({
  transition: z.enum(TRANSITIONS),
  target: z.enum(INSTANCE_STATES),
  forced: z.boolean(),
  /** When the transition began (ms since the epoch) and how long its delay was. */
  startedAt: z.number(),
  delayMs: z.number().min(0),
});
export type PersistedOp = z.infer<typeof persistedOp>;

const persistedInstance = z.object({
  inst: z
    .object({
      id: z.string(),
      state: z.enum(INSTANCE_STATES),
      transition: z.enum(TRANSITIONS).optional(),
      createdAt: z.string(),
      backing: z.object({ kind: z.enum(['none', 'docker']), id: z.string().optional() }),
      tags: z.record(z.string(), z.string()),
    })
    .passthrough(),
  password: z.string(),
  op: persistedOp.optional(),
});

const emulatorState = z.object({
  version: z.literal(STATE_VERSION),
  cloud: z.string(),
  savedAt: z.string(),
  instances: z.array(persistedInstance),
  clientTokens: z.array(z.tuple([z.string(), z.object({ instanceIds: z.array(z.string()), fingerprint: z.string() })])),
  stock: z.array(z.tuple([z.string(), z.number()])),
  quotas: z.array(z.tuple([z.string(), z.number()])),
  privateAddresses: z.number().int().min(0),
  /** The cloud layer's side tables (e.g. Tencent's per-instance notes), by name. */
  tables: z.record(z.string(), z.array(z.tuple([z.string(), z.unknown()]))),
});
export type EmulatorState = z.infer<typeof emulatorState>;
export type PersistedInstance = z.infer<typeof persistedInstance>;

export function emptyState(cloud: string): EmulatorState {
  return { version: STATE_VERSION, cloud, savedAt: new Date().toISOString(), instances: [], clientTokens: [], stock: [], quotas: [], privateAddresses: 0, tables: {} };
}

export class StateFile {
  readonly path: string;

  constructor(file: string) {
    this.path = path.resolve(file);
  }

  /** The saved state, or undefined when there is none yet. A file that does not parse is an error, never silently dropped. */
  load(cloud: string): EmulatorState | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed = emulatorState.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`emulator state ${this.path} is not readable: ${z.prettifyError(parsed.error)}`);
    if (parsed.data.cloud !== cloud) throw new Error(`emulator state ${this.path} belongs to ${parsed.data.cloud}, not ${cloud}`);
    return parsed.data;
  }

  /** Synchronous on purpose: the state is on disk before the answer that reports the change leaves. */
  save(state: EmulatorState): void {
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    fs.renameSync(tmp, this.path);
  }
}
