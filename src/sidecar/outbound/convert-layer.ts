import { MeshError } from '../../errors/mesh-error';
import { parseJson } from '../../json/parse-json';
import type { CallHandler, PeerHandler, PeerRequest } from './call';
import { providerError } from './provider-error';
import { trailerKeysOf } from '../../protocol/peer-headers';

/**
 * Where JSON meets the wire: converts the request with the method's compiled conversion (built by
 * its protocol's adapter), hands the bytes to the peer stack, and converts the reply (or the
 * provider's status) back.
 */
export function convertLayer(peer: PeerHandler): CallHandler {
  return async (call) => {
    const method = call.route!.method;
    if (method.clientStreaming || method.serverStreaming) {
      throw new MeshError('UNIMPLEMENTED', `${call.service}/${call.method} is a streaming method; HTTP/JSON calls are unary`);
    }
    const json = method.json;
    let t = performance.now();
    const bytesFor = json.encodeRequest(parseBody(call.body));
    call.convertMs = performance.now() - t;
    const req: PeerRequest = {
      call,
      path: method.path,
      contentType: json.contentType,
      headers: json.headers,
      payloadFor: (ep) => bytesFor(ep.encoding),
      endpoint: undefined,
      pool: undefined,
      attempt: 1,
      tried: undefined,
    };
    const res = await peer(req);
    if (res.status !== 0) throw providerError(res, res.detailsBin ? json.statusDetails(res.detailsBin) : []);
    try {
      t = performance.now();
      const out = json.decodeReply({ payload: res.payload, headers: res.headers, encoding: req.endpoint?.encoding }, call);
      call.convertMs += performance.now() - t;
      return { json: out, metadata: res.metadata, trailerKeys: trailerKeysOf(res.headers) };
    } catch (err) {
      throw err instanceof MeshError ? err.withMetadata(res.metadata) : err;
    }
  };
}

/** An empty body is an empty message, as with Envoy's transcoder. */
function parseBody(body: string) {
  return body.length === 0 ? {} : parseJson(body);
}
