import type { OutgoingHttpHeaders } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import type { H2Client } from '../../transport/grpc/h2-client';
import { grpcTimeout } from '../../transport/grpc/grpc-frame';
import { PeerHeaders } from '../../protocol/peer-headers';
import type { PeerHandler } from './call';

/** Attempt numbers as header values, made once. */
const attemptNames = ['0', '1', '2', '3', '4', '5'];

/** The end of the outbound stack: one HTTP/2 request to the chosen provider sidecar. */
export function peerTransport(client: Pick<H2Client, 'call'>): PeerHandler {
  return async (req) => {
    const ep = req.endpoint;
    if (!ep) throw new MeshError('INTERNAL', 'no endpoint was chosen');
    const call = req.call;
    call.provider = ep.address;
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
    return client.call(ep.address, headers, req.payloadFor(ep), call.deadline, call.cancel);
  };
}
