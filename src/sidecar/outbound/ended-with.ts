import { MeshError } from '../../errors/mesh-error';
import type { Handler, OutboundCall } from './call';

/**
 * Runs the rest of the stack and then reports the code the call ended with: OK, the
 * MeshError's code, or INTERNAL for anything else. The answer or error passes through as it is.
 */
export async function endedWith<B, R>(next: Handler<OutboundCall<B>, R>, call: OutboundCall<B>, ended: (code: string) => void): Promise<R> {
  let code = 'OK';
  try {
    return await next(call);
  } catch (err) {
    code = err instanceof MeshError ? err.code : 'INTERNAL';
    throw err;
  } finally {
    ended(code);
  }
}
