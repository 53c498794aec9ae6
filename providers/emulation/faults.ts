/**
 * Fault injection, consumed per API call. The cloud layer calls `beforeCall(action)` once per
 * request (after signature and throttle checks) and renders the decision in its own wire format:
 * - http5xx  → answer with that HTTP status (default 500) and the cloud's internal-error body;
 * - hang     → never answer (the server's close() destroys the socket, so tests don't hang);
 * - throttle → the cloud's throttling error, with retryAfterSeconds;
 * - error    → a neutral EmulatorError (code given) rendered as the cloud's own error;
 * - failNth  → lets nth-1 matching calls through, then fails `times` calls: as `error` when a
 *              neutral `code` is given, otherwise as http5xx;
 * - dropAnswer → the call is carried out, then the connection is dropped instead of answering:
 *              the answer was lost on the way back (the create happened, the caller never heard).
 * Matching is by cloud action name (case-insensitive), or any action when `action` is absent/'*'.
 */
import { z } from 'zod';
import { EMULATOR_ERROR_CODES, EmulatorError } from './errors';

export const FAULT_KINDS = ['http5xx', 'hang', 'throttle', 'failNth', 'error', 'dropAnswer'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Also the control API's body for POST /faults. */
export const faultSpecSchema = z
  .object({
    action: z.string().min(1).optional(),
    kind: z.enum(FAULT_KINDS),
    status: z.number().int().min(400).max(599).optional(),
    code: z.enum(EMULATOR_ERROR_CODES).optional(),
    message: z.string().optional(),
    nth: z.number().int().min(1).optional(),
    /** How many calls the fault hits before it is used up; 'forever' never wears off. */
    times: z.union([z.number().int().min(1), z.literal('forever')]).default(1),
    retryAfterSeconds: z.number().min(0).optional(),
  })
  .refine((f) => f.kind !== 'error' || f.code !== undefined, { message: "kind 'error' needs a neutral code", path: ['code'] })
  .refine((f) => f.kind !== 'failNth' || f.nth !== undefined, { message: "kind 'failNth' needs nth", path: ['nth'] });
export type FaultSpec = z.input<typeof faultSpecSchema>;

export interface ActiveFault extends Omit<z.output<typeof faultSpecSchema>, 'times'> {
  id: string;
  times: number | 'forever';
  /** Matching calls seen since injection (failNth counts with it). */
  seen: number;
  /** Calls this fault has failed so far. */
  fired: number;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'http5xx'; status: number; message: string; faultId: string }
  | { kind: 'hang'; faultId: string }
  | { kind: 'dropAnswer'; faultId: string }
  | { kind: 'throttle'; retryAfterSeconds: number; faultId: string }
  | { kind: 'error'; error: EmulatorError; faultId: string };

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private counter = 0;

  /** Validates (throws ZodError on bad input) and arms a fault; returns its id. */
  inject(spec: FaultSpec): ActiveFault {
    const parsed = faultSpecSchema.parse(spec);
    const fault: ActiveFault = { ...parsed, id: `fault-${++this.counter}`, seen: 0, fired: 0 };
    this.faults.push(fault);
    return { ...fault };
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(id?: string): void {
    this.faults = id ? this.faults.filter((f) => f.id !== id) : [];
  }

  /** One call of `action` is about to be served: what should happen to it? */
  beforeCall(action: string): FaultDecision {
    const matching = this.faults.filter((f) => matches(f, action));
    for (const f of matching) f.seen++;
    const hit = matching.find(firesNow);
    if (!hit) return { kind: 'none' };
    hit.fired++;
    if (hit.times !== 'forever' && hit.fired >= hit.times) this.clear(hit.id);
    return decide(hit);
  }
}

function matches(f: ActiveFault, action: string): boolean {
  return !f.action || f.action === '*' || f.action.toLowerCase() === action.toLowerCase();
}

function firesNow(f: ActiveFault): boolean {
  if (f.kind !== 'failNth') return true;
  return f.seen >= (f.nth ?? 1);
}

function decide(f: ActiveFault): FaultDecision {
  const message = f.message ?? `injected fault (${f.kind})`;
  switch (f.kind) {
    case 'hang':
      return { kind: 'hang', faultId: f.id };
    case 'dropAnswer':
      return { kind: 'dropAnswer', faultId: f.id };
    case 'throttle':
      return { kind: 'throttle', retryAfterSeconds: f.retryAfterSeconds ?? 1, faultId: f.id };
    case 'error':
      return { kind: 'error', error: new EmulatorError(f.code ?? 'Internal', message), faultId: f.id };
    case 'failNth':
      if (f.code) return { kind: 'error', error: new EmulatorError(f.code, message), faultId: f.id };
      return { kind: 'http5xx', status: f.status ?? 500, message, faultId: f.id };
    case 'http5xx':
      return { kind: 'http5xx', status: f.status ?? 500, message, faultId: f.id };
  }
}

/** How a cloud words the refusals `EmulatedCloud.admit` decides ('error' already carries a neutral EmulatorError). */
export interface RefusalWording {
  throttled(retryAfterSeconds: number): Error;
  serverError(status: number, message: string): Error;
}

/**
 * Acts on admit's decision for a cloud layer that answers errors by throwing: throws the
 * cloud's error for a refusal (the neutral EmulatorError for 'error'), else says whether to
 * serve the call, to leave it hanging — never answered, as the client's timeout is under test —
 * or to serve it and then drop the connection instead of answering ('serveThenDrop').
 */
export function enforceDecision(decision: FaultDecision, wording: RefusalWording): 'serve' | 'hang' | 'serveThenDrop' {
  switch (decision.kind) {
    case 'none':
      return 'serve';
    case 'hang':
      return 'hang';
    case 'dropAnswer':
      return 'serveThenDrop';
    case 'throttle':
      throw wording.throttled(decision.retryAfterSeconds);
    case 'http5xx':
      throw wording.serverError(decision.status, decision.message);
    case 'error':
      throw decision.error;
  }
}
