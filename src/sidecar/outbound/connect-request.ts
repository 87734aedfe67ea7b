import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { MeshError } from '../../errors/mesh-error';
import { isUserMetadata } from '../../transport/grpc/metadata';
import { connectErrorAnswer } from './connect-error';
import { endStreamEnvelope } from './connect-envelope';
import type { OutboundReply } from './call';

/**
 * A Connect caller on `--listen` (connectrpc.com/docs/protocol, JSON codec): how its request is
 * read (headers as metadata, `connect-timeout-ms`, the GET form) and how it is answered. The
 * mesh's own envelope is untouched: only a request that says it speaks Connect comes here.
 */

/** What the listener needs of a Connect request to make the call. */
export interface ConnectCall {
  readonly service: string;
  readonly method: string;
  readonly metadata: Record<string, string>;
  readonly timeoutHeader: string | undefined;
  /** The message of a GET, from the query; undefined for a POST, whose body is the message. */
  readonly body: string | undefined;
  /** A streaming request (`application/connect+json`): its body is enveloped messages, its answer too (connect-stream.ts). */
  readonly streamContentType?: string;
}

/** Headers that are Connect's, the transport's, or the mesh's: never the caller's metadata. */
const notMetadata = new Set(['accept', 'connection', 'content-encoding', 'expect', 'host', 'http2-settings', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'x-request-id', 'x-transmesh-json', 'x-transmesh-int64']);

const unaryContentType = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const streamContentType = /^application\/connect\+/i;
const jsonStreamContentType = /^application\/connect\+json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** A request that says it speaks Connect: the protocol header, or a GET carrying `connect=v1`. */
export function isConnectRequest(req: IncomingMessage, url: string): boolean {
  return req.headers['connect-protocol-version'] !== undefined || (req.method === 'GET' && url.includes('connect=v1'));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The call a Connect request asks for; throws MeshError for what Connect refuses (a streaming
 * content type, another codec, compression, a bad timeout or protocol version).
 */
export function readConnectRequest(req: IncomingMessage, url: string, maxMessageBytes: number): ConnectCall {
  const q = url.indexOf('?');
  const m = /^\/([^/?]+)\/([^/?]+)$/.exec(q < 0 ? url : url.slice(0, q));
  if (!m) throw new MeshError('UNIMPLEMENTED', `no procedure at ${url}: Connect calls POST /<service>/<method>`);
  const version = header(req, 'connect-protocol-version');
  if (version !== undefined && version !== '1') throw new MeshError('INVALID_ARGUMENT', `connect-protocol-version must be "1", not "${version}"`);
  let body: string | undefined;
  if (req.method === 'GET') body = getMessage(new URLSearchParams(q < 0 ? '' : url.slice(q + 1)), maxMessageBytes);
  else if (req.method === 'POST') {
    const type = header(req, 'content-type') ?? '';
    if (streamContentType.test(type) && !jsonStreamContentType.test(type)) throw new MeshError('UNIMPLEMENTED', `content-type "${type}": the mesh speaks Connect with the JSON codec only (application/connect+json)`);
    if (!streamContentType.test(type) && !unaryContentType.test(type)) throw new MeshError('UNIMPLEMENTED', `content-type "${type}": the mesh speaks Connect with the JSON codec only (application/json)`);
    const encoding = header(req, 'content-encoding');
    if (encoding && encoding !== 'identity') throw new MeshError('UNIMPLEMENTED', `content-encoding "${encoding}": the mesh takes Connect requests uncompressed only`);
  } else {
    throw new MeshError('UNIMPLEMENTED', `${req.method} is not a Connect method: call POST (or GET for NO_SIDE_EFFECTS methods)`);
  }
  const type = header(req, 'content-type') ?? '';
  const streaming = req.method === 'POST' && streamContentType.test(type) ? type : undefined;
  return { service: m[1], method: m[2], metadata: connectMetadata(req), timeoutHeader: connectTimeout(req), body, streamContentType: streaming };
}

/** `?connect=v1&encoding=json&message=…[&base64=1]`: the message of a Connect GET. */
function getMessage(query: URLSearchParams, maxMessageBytes: number): string {
  const connect = query.get('connect');
  if (connect !== null && connect !== 'v1') throw new MeshError('INVALID_ARGUMENT', `connect=${connect}: the protocol version must be v1`);
  const encoding = query.get('encoding');
  if (encoding !== 'json') throw new MeshError('UNIMPLEMENTED', `encoding=${encoding ?? ''}: the mesh speaks Connect with the JSON codec only (encoding=json)`);
  const compression = query.get('compression');
  if (compression !== null && compression !== 'identity') throw new MeshError('UNIMPLEMENTED', `compression=${compression}: the mesh takes Connect GET messages uncompressed only`);
  const message = query.get('message');
  if (message === null) throw new MeshError('INVALID_ARGUMENT', 'a Connect GET needs the message in the query (message=…)');
  const bytes = query.get('base64') === '1' ? Buffer.from(message, 'base64url') : Buffer.from(message, 'utf8');
  if (bytes.length > maxMessageBytes) throw new MeshError('RESOURCE_EXHAUSTED', `message over ${maxMessageBytes} bytes (TRANSMESH_MAX_MESSAGE_BYTES)`);
  if (!isUtf8(bytes)) throw new MeshError('INVALID_ARGUMENT', 'the message is not valid UTF-8');
  return bytes.toString('utf8');
}

/** `connect-timeout-ms`: at most 10 digits, as Connect says; the deadline layer refuses 0. */
function connectTimeout(req: IncomingMessage): string | undefined {
  const t = header(req, 'connect-timeout-ms');
  if (t === undefined) return header(req, 'x-transmesh-timeout-ms');
  if (!/^[0-9]{1,10}$/.test(t) || Number(t) === 0) throw new MeshError('INVALID_ARGUMENT', `connect-timeout-ms must be a positive whole number of at most 10 digits, not "${t}"`);
  return t;
}

/** The caller's own headers, which are the call's metadata: not Connect's, not hop-by-hop, not the mesh's. */
export function connectMetadata(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const h = req.headers;
  for (const key in h) {
    if (notMetadata.has(key) || key.startsWith('connect-') || key.startsWith('grpc-') || !isUserMetadata(key)) continue;
    const v = h[key];
    if (v !== undefined) out[key] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** A unary success: the provider's response metadata as headers. */
export function connectReplyHeaders(reply: OutboundReply, requestId: string): Record<string, string | number> {
  const headers: Record<string, string | number> = {};
  for (const k in reply.metadata) headers[k] = reply.metadata[k];
  // Connect's unary answer carries the service's trailers as `trailer-<name>` headers.
  for (const k of reply.trailerKeys ?? []) {
    if (headers[k] === undefined) continue;
    headers[`trailer-${k}`] = headers[k];
    delete headers[k];
  }
  headers['content-type'] = 'application/json';
  headers['content-length'] = Buffer.byteLength(reply.json);
  headers['x-request-id'] = requestId;
  return headers;
}

/**
 * A failure, in the shape the caller reads: a streaming request (`application/connect+…`) gets
 * 200 and the end-stream message, a unary one Connect's error body and status.
 */
export function connectFailure(req: IncomingMessage, err: MeshError, requestId: string): { status: number; headers: Record<string, string | number>; body: string | Buffer } {
  const type = header(req, 'content-type') ?? '';
  if (req.method === 'POST' && streamContentType.test(type)) {
    const body = endStreamEnvelope(err, undefined);
    return { status: 200, headers: { 'content-type': type, 'content-length': body.length, 'x-request-id': requestId }, body };
  }
  return connectErrorAnswer(err, requestId);
}
