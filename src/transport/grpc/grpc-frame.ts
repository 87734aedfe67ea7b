import { MeshError } from '../../errors/mesh-error';

/** gRPC's length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length, the message. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** The one message of a unary body; compressed messages are refused since the mesh never asks for them. */
export function unframe(chunks: Buffer[]): Buffer {
  const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  if (body.length === 0) return body;
  if (body.length < 5) throw new MeshError('INTERNAL', 'truncated gRPC message');
  if (body[0] !== 0) throw new MeshError('INTERNAL', 'compressed gRPC message was not asked for');
  const len = body.readUInt32BE(1);
  if (body.length !== 5 + len) throw new MeshError('INTERNAL', 'gRPC body is not exactly one message');
  return body.subarray(5);
}

/** grpc-message is percent-encoded on the wire. */
export function encodeGrpcMessage(message: string): string {
  return encodeURIComponent(message).replace(/%20/g, ' ');
}

export function decodeGrpcMessage(raw: string | string[] | undefined): string {
  const s = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** grpc-timeout for a number of milliseconds (at most 8 digits, as the spec says). */
export function grpcTimeout(ms: number): string {
  const v = Math.max(1, Math.ceil(ms));
  return v < 1e8 ? `${v}m` : `${Math.ceil(v / 1000)}S`;
}

export function parseGrpcTimeout(raw: string | undefined): number | undefined {
  if (!raw) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(raw);
  if (!m) return undefined;
  const n = Number(m[1]);
  const factor = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 }[m[2] as 'H'];
  return n * factor;
}
