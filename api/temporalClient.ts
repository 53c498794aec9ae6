/**
 * The API's Temporal client.
 *
 * - Lazy: the API starts, and GET keeps answering from Postgres, while Temporal is away; the
 *   connection is made (and remade) by the first call that needs it.
 * - Quick to give up: the SDK's default retries an unreachable server for ≈ 20 s; here a few quick
 *   tries, and every call runs under a deadline (`withTemporalDeadline`), so a caller gets its 503
 *   in seconds.
 * - One interceptor: a startUpdate that the workflow's validator rejected comes back with its
 *   failure as the outcome, but the SDK only surfaces it when the update's result is awaited —
 *   which for accepted updates means waiting for the whole operation. Raising it here lets the API
 *   answer "409, because …" at once.
 */
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, WorkflowClientInterceptor } from '@temporalio/client';

export class UpdateRejectedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UpdateRejectedError';
  }
}

export const surfaceRejectedUpdates: WorkflowClientInterceptor = {
  async startUpdate(input, next) {
    const output = await next(input);
    const failure = output.outcome?.failure;
    if (failure) throw new UpdateRejectedError(failure.message ?? 'update rejected');
    return output;
  },
};

/** gRPC retries of one call: ≈ 0.1 + 0.17 + 0.29 s, enough for a blip, short of an outage. */
const GRPC_ATTEMPTS = 4;

export async function connectTemporal(address: string, namespace: string): Promise<{ client: Client; connection: Connection }> {
  const connection = Connection.lazy({
    address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: GRPC_ATTEMPTS }))],
    // gRPC waits up to 2 minutes between reconnects by default: a Temporal back from an outage
    // would stay unreachable for the API that long.
    channelArgs: { 'grpc.initial_reconnect_backoff_ms': 500, 'grpc.max_reconnect_backoff_ms': 3_000 },
  });
  const client = new Client({ connection, namespace, interceptors: { workflow: [surfaceRejectedUpdates] } });
  return { client, connection };
}

/** Resolves when Temporal answers a cheap call within `ms`; rejects otherwise. */
export async function temporalAnswers(client: Client, ms: number): Promise<void> {
  await client.withDeadline(Date.now() + ms, () => client.workflowService.getSystemInfo({}));
}

/** Runs one Temporal call (or a few) that must be over within `ms`: DEADLINE_EXCEEDED after that. */
export function withTemporalDeadline<T>(client: Client, ms: number, fn: () => Promise<T>): Promise<T> {
  return client.withDeadline(Date.now() + ms, fn);
}

const GRPC_UNAVAILABLE = 14;

/**
 * True when the error proves the request never reached Temporal: the channel had no connection
 * to send it on. (A deadline, a reset or any server answer leaves it open whether it was acted on.)
 */
export function neverReachedTemporal(err: unknown): boolean {
  for (let e = err as { code?: unknown; details?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const text = `${typeof e.details === 'string' ? e.details : ''} ${typeof e.message === 'string' ? e.message : ''}`;
    if (e.code === GRPC_UNAVAILABLE && /No connection established|ECONNREFUSED/.test(text)) return true;
  }
  return false;
}
