import { MeshError } from '../../errors/mesh-error';
import type { NativeCallHandler, PeerHandler, PeerRequest } from './call';
import { providerError } from './provider-error';

/**
 * Where the convert layer stands for native callers: the message goes to the peer stack as the
 * caller framed it and the provider's message comes back as it came; the mesh reads neither.
 * Only services of the caller's own `protocol` can pass so; any other is UNIMPLEMENTED, saying
 * how to call it instead.
 */
export function passThroughLayer(peer: PeerHandler, protocol: string): NativeCallHandler {
  return async (call) => {
    const { entry, method } = call.route!;
    if (entry.model.protocol !== protocol) {
      throw new MeshError('UNIMPLEMENTED', `${call.service} is a ${entry.model.protocol} service, which a ${protocol} caller cannot call: send it HTTP/JSON (POST /${call.service}/${call.method} on this port)`);
    }
    if (method.clientStreaming || method.serverStreaming) {
      throw new MeshError('UNIMPLEMENTED', `${call.service}/${call.method} is a streaming method: the mesh passes unary calls only for now`);
    }
    const message = call.body;
    const req: PeerRequest = {
      call,
      path: method.path,
      contentType: method.json.contentType,
      headers: method.json.headers,
      payloadFor: () => message,
      endpoint: undefined,
      pool: undefined,
      attempt: 1,
      tried: undefined,
    };
    const res = await peer(req);
    if (res.status !== 0) throw providerError(res, []);
    return { message: res.payload, metadata: res.metadata };
  };
}
