import { MeshError } from '../../errors/mesh-error';
import type { NativeCallHandler, OutboundCall, PeerHandler, PeerRequest } from './call';
import type { MethodModel } from '../../idl/model';
import type { PeerStreamHandler, StreamCallHandler } from './stream-call';
import { providerError } from './provider-error';
import { trailerKeysOf } from '../../protocol/peer-headers';

/**
 * Where the convert layer stands for native callers: the message goes to the peer stack as the
 * caller framed it and the provider's message comes back as it came; the mesh reads neither.
 * Only services of the caller's own `protocol` can pass so; any other is UNIMPLEMENTED, saying
 * how to call it instead.
 */
export function passThroughLayer(peer: PeerHandler, protocol: string): NativeCallHandler {
  return async (call) => {
    const method = passable(call, protocol);
    if (method.clientStreaming || method.serverStreaming) {
      throw new MeshError('UNIMPLEMENTED', `${call.service}/${call.method} is a streaming method: call it as one`);
    }
    const message = call.body;
    const res = await peer(peerRequest(call, method, () => message));
    if (res.status !== 0) throw providerError(res, []);
    return { message: res.payload, metadata: res.metadata, trailerKeys: trailerKeysOf(res.headers) };
  };
}

/**
 * The same for streaming methods (stream-call.ts): the caller's request queue goes to the peer
 * stack as it is, and the provider's stream comes back once it has started; a refusal before
 * its first message is the call's error.
 */
export function streamPassThroughLayer(peer: PeerStreamHandler, protocol: string): StreamCallHandler {
  return async (call) => {
    const method = passable(call, protocol);
    if (!method.clientStreaming && !method.serverStreaming) {
      throw new MeshError('UNIMPLEMENTED', `${call.service}/${call.method} is a unary method: call it as one`);
    }
    const res = await peer({ ...peerRequest(call, method, noPayload), requests: call.body });
    if (res.status !== 0) throw providerError(res, []);
    return res;
  };
}

/** The route's method, if a caller of `protocol` can pass its messages to it as they are. */
function passable(call: OutboundCall<unknown>, protocol: string): MethodModel {
  const { entry, method } = call.route!;
  if (entry.model.protocol !== protocol) {
    throw new MeshError('UNIMPLEMENTED', `${call.service} is a ${entry.model.protocol} service, which a ${protocol} caller cannot call: send it HTTP/JSON (POST /${call.service}/${call.method} on this port)`);
  }
  return method;
}

function peerRequest(call: OutboundCall<unknown>, method: MethodModel, payloadFor: () => Uint8Array): PeerRequest {
  return {
    call,
    path: method.path,
    contentType: method.json.contentType,
    headers: method.json.headers,
    payloadFor,
    endpoint: undefined,
    pool: undefined,
    attempt: 1,
    tried: undefined,
  };
}

const noPayload = (): Uint8Array => {
  throw new MeshError('INTERNAL', 'a streaming call has no single payload');
};
