/**
 * The API's Temporal client. One interceptor: a startUpdate that the workflow's validator
 * rejected comes back with its failure as the outcome, but the SDK only surfaces it when the
 * update's result is awaited — which for accepted updates means waiting for the whole
 * operation. Raising it here lets the API answer "409, because …" at once.
 */
import { Client, Connection, WorkflowClientInterceptor } from '@temporalio/client';

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

export async function connectTemporal(address: string, namespace: string): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace, interceptors: { workflow: [surfaceRejectedUpdates] } });
  return { client, connection };
}
