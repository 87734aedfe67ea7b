import { MeshError } from '../../errors/mesh-error';
import { codeName } from '../../errors/codes';
import type { StreamResponse } from '../../transport/grpc/stream-response';
import type { Handler, OutboundCall } from './call';

/**
 * Runs the rest of the stack and then reports the code the call ended with: OK, the
 * MeshError's code, or INTERNAL for anything else. The answer or error passes through as it is.
 * A streaming call's answer comes at its start: its code is reported when its trailers come.
 */
export async function endedWith<B, R>(next: Handler<OutboundCall<B>, R>, call: OutboundCall<B>, ended: (code: string) => void): Promise<R> {
  let code = 'OK';
  let later = false;
  try {
    const r = await next(call);
    const trailers = (r as Partial<StreamResponse>).trailers;
    if (trailers !== undefined) {
      later = true;
      void trailers.then((end) => ended(codeName(end.status)));
    }
    return r;
  } catch (err) {
    code = err instanceof MeshError ? err.code : 'INTERNAL';
    throw err;
  } finally {
    if (!later) ended(code);
  }
}
