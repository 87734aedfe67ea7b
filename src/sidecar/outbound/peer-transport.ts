import type { OutgoingHttpHeaders } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import type { H2Client } from '../../transport/grpc/h2-client';
import { grpcTimeout } from '../../transport/grpc/grpc-frame';
import { PeerHeaders } from '../../protocol/peer-headers';
import type { PeerHandler, PeerRequest } from './call';
import type { Endpoint } from '../../snapshot/snapshots';
import type { PeerStreamHandler, StreamingPeers } from './stream-call';

/** Attempt numbers as header values, made once. */
const attemptNames = ['0', '1', '2', '3', '4', '5'];

/** The end of the outbound stack: one HTTP/2 request to the chosen provider sidecar. */
export function peerTransport(client: Pick<H2Client, 'call'>): PeerHandler {
  return async (req) => {
    const ep = endpointOf(req);
    return client.call(ep.address, peerHeaders(req), req.payloadFor(ep), req.call.deadline, req.call.cancel);
  };
}

/** The end of the streaming stack: one stream to the chosen provider sidecar; without a streaming client, UNIMPLEMENTED. */
export function peerStreamTransport(client: Partial<StreamingPeers>): PeerStreamHandler {
  return async (req) => {
    const ep = endpointOf(req);
    if (!client.stream) throw new MeshError('UNIMPLEMENTED', 'this sidecar\'s peer client carries unary calls only');
    return client.stream(ep.address, peerHeaders(req), req.requests, req.call.deadline, req.call.cancel);
  };
}

function endpointOf(req: PeerRequest): Endpoint {
  const ep = req.endpoint;
  if (!ep) throw new MeshError('INTERNAL', 'no endpoint was chosen');
  req.call.provider = ep.address;
  return ep;
}

/** The peer hop's request headers: gRPC's, the deadline left, the mesh's, the app's metadata, the method's own. */
function peerHeaders(req: PeerRequest): OutgoingHttpHeaders {
  const call = req.call;
  const headers: OutgoingHttpHeaders = {
    ':method': 'POST',
    ':path': req.path,
    'content-type': req.contentType,
    te: 'trailers',
    'grpc-timeout': grpcTimeout(call.deadline - Date.now()),
    'x-request-id': call.requestId,
    [PeerHeaders.caller]: call.caller,
    [PeerHeaders.attempt]: attemptNames[req.attempt] ?? String(req.attempt),
  };
  for (const k in call.metadata) headers[k] = call.metadata[k];
  for (const k in req.headers) headers[k] = req.headers[k];
  return headers;
}
