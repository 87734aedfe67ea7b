import { MeshError } from '../../errors/mesh-error';
import { codeName } from '../../errors/codes';
import { parseJson } from '../../json/parse-json';
import type { GrpcMethod, ThriftMethod } from '../../idl/model';
import { statusDetailsToJson } from '../../codec/proto/status-details';
import { applicationExceptionToError } from '../../codec/thrift/application-exception';
import type { Endpoint } from '../../snapshot/snapshots';
import type { PeerResponse } from '../../transport/peer/peer-client';
import { PeerHeaders } from '../../transport/peer/peer-headers';
import type { CallHandler, OutboundCall, PeerHandler, PeerRequest } from './call';

const onewayHeaders: Record<string, string> = { [PeerHeaders.thriftOneway]: '1' };
const noHeaders: Record<string, string> = {};

/**
 * Where JSON meets the wire: converts the request with the method's compiled codec, hands the
 * bytes to the peer stack, and converts the reply (or the provider's status) back.
 */
export function convertLayer(peer: PeerHandler): CallHandler {
  return (call) => {
    const method = call.route!.method;
    return method.kind === 'grpc' ? grpcCall(call, method, peer) : thriftCall(call, method, peer);
  };
}

async function grpcCall(call: OutboundCall, method: GrpcMethod, peer: PeerHandler) {
  if (method.clientStreaming || method.serverStreaming) {
    throw new MeshError('UNIMPLEMENTED', `${call.service}/${call.method} is a streaming method; HTTP/JSON calls are unary`);
  }
  let t = performance.now();
  const bytes = method.request.encode(parseBody(call.body));
  call.convertMs = performance.now() - t;
  const res = await peer({ call, path: method.path, contentType: 'application/grpc', headers: noHeaders, payloadFor: () => bytes, endpoint: undefined, pool: undefined, attempt: 1, tried: undefined });
  if (res.status !== 0) throw providerError(call, res);
  t = performance.now();
  const json = method.response.toJson(res.payload, call);
  call.convertMs += performance.now() - t;
  return { json, metadata: res.metadata };
}

async function thriftCall(call: OutboundCall, method: ThriftMethod, peer: PeerHandler) {
  let t = performance.now();
  const value = parseBody(call.body);
  const binary = method.encodeArgs(value, 'binary');
  call.convertMs = performance.now() - t;
  let compact: Buffer | undefined;
  const req: PeerRequest = {
    call,
    path: `/${call.service}/${call.method}`,
    contentType: 'application/grpc+thrift',
    headers: method.oneway ? onewayHeaders : noHeaders,
    payloadFor: (ep) => (ep.thriftProtocol === 'compact' ? (compact ??= method.encodeArgs(value, 'compact')) : binary),
    endpoint: undefined,
    pool: undefined,
    attempt: 1,
    tried: undefined,
  };
  const res = await peer(req);
  if (res.status !== 0) throw providerError(call, res);
  if (method.oneway) return { json: '{}', metadata: res.metadata };
  const protocol = (req.endpoint as Endpoint | undefined)?.thriftProtocol ?? 'binary';
  if (res.headers[PeerHeaders.thriftKind] === 'exception') {
    throw applicationExceptionToError(res.payload, protocol).withMetadata(res.metadata);
  }
  try {
    t = performance.now();
    const json = method.decodeResult(res.payload, protocol, call);
    call.convertMs += performance.now() - t;
    return { json, metadata: res.metadata };
  } catch (err) {
    throw err instanceof MeshError ? err.withMetadata(res.metadata) : err;
  }
}

/** An empty body is an empty message, as with Envoy's transcoder. */
function parseBody(body: string) {
  return body.length === 0 ? {} : parseJson(body);
}

function providerError(call: OutboundCall, res: PeerResponse): MeshError {
  const root = call.route!.entry.root;
  const details = res.detailsBin && root ? statusDetailsToJson(res.detailsBin, root) : [];
  const retryAfter = res.headers[PeerHeaders.retryAfter];
  const retryAfterSeconds = retryAfter === undefined ? undefined : Number(retryAfter) || 1;
  return new MeshError(codeName(res.status), res.message, { details, metadata: res.metadata, retryAfterSeconds });
}
