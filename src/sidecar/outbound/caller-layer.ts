import { MeshError } from '../../errors/mesh-error';
import type { CallerMessage } from '../../protocol/native-callers';
import type { Handler, OutboundCall, PeerHandler, PeerRequest } from './call';
import { providerError } from './provider-error';

/** A native caller's request path on a listener of its own: its message in, the bytes to write back out (none for a oneway call). */
export type CallerCallHandler = Handler<OutboundCall<CallerMessage>, Buffer | undefined>;

/**
 * Where the convert layer stands for callers on a protocol's own listener (`--thrift-listen`):
 * the adapter's message gives the request for the chosen provider (as the caller wrote it, or
 * converted when the provider's protocol variant differs) and writes the answer in the caller's
 * wire. Only services of the listener's `protocol` can be called so; any other is UNIMPLEMENTED.
 * A oneway method (from the IDL) gets no answer.
 */
export function callerLayer(peer: PeerHandler, protocol: string): CallerCallHandler {
  return async (call) => {
    const { entry, method } = call.route!;
    if (entry.model.protocol !== protocol) {
      throw new MeshError('UNIMPLEMENTED', `${call.service} is a ${entry.model.protocol} service, which a ${protocol} caller cannot call: send it HTTP/JSON (POST /${call.service}/${call.method} to the sidecar's --listen port)`);
    }
    const message = call.body;
    const req: PeerRequest = {
      call,
      path: method.path,
      contentType: method.json.contentType,
      headers: method.json.headers,
      payloadFor: (ep) => message.payloadFor(ep.encoding),
      endpoint: undefined,
      pool: undefined,
      attempt: 1,
      tried: undefined,
    };
    const res = await peer(req);
    if (res.status !== 0) throw providerError(res, []);
    if (method.oneway) return undefined;
    return message.reply({ payload: res.payload, headers: res.headers, encoding: req.endpoint?.encoding }, method);
  };
}
