import { MeshError } from '../../errors/mesh-error';
import type { CallHandler, OutboundCall, OutboundReply } from './call';

/**
 * Runs the rest of the stack and then reports the code the call ended with: OK, the
 * MeshError's code, or INTERNAL for anything else. The answer or error passes through as it is.
 */
export async function endedWith(next: CallHandler, call: OutboundCall, ended: (code: string) => void): Promise<OutboundReply> {
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
