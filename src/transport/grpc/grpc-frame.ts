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

/**
 * Collects one unary gRPC body as it arrives, refusing it from the frame header, before the
 * message is buffered: a declared length over `limit` is RESOURCE_EXHAUSTED, bytes beyond the
 * one message (a frame length that lies, or a second message) are INTERNAL.
 */
export class FrameCollector {
  readonly chunks: Buffer[] = [];
  received = 0;
  private declared = -1;

  constructor(private readonly limit: number) {}

  /** Adds a chunk; returns the refusal when the body cannot be one message within the limit. */
  push(c: Buffer): MeshError | undefined {
    this.chunks.push(c);
    this.received += c.length;
    if (this.declared < 0) {
      if (this.received < 5) return undefined;
      const head = this.chunks[0].length >= 5 ? this.chunks[0] : Buffer.concat(this.chunks, this.received);
      this.declared = head.readUInt32BE(1);
      if (this.declared > this.limit) return new MeshError('RESOURCE_EXHAUSTED', `message of ${this.declared} bytes is over the ${this.limit}-byte limit (TRANSMESH_MAX_MESSAGE_BYTES)`);
    }
    if (this.received > 5 + this.declared) return new MeshError('INTERNAL', `gRPC body is not exactly one message (${this.declared} bytes declared, more sent)`);
    return undefined;
  }

  /** The body once it has ended: empty, or exactly one whole message; a short one is INTERNAL. */
  body(): Buffer {
    if (this.received > 0 && this.received !== 5 + this.declared) throw new MeshError('INTERNAL', 'truncated gRPC message');
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.received);
  }
}

/**
 * grpc-message is percent-encoded on the wire, as the gRPC spec says: the UTF-8 bytes outside
 * printable ASCII, and `%`, only. Encoding more (`:` as `%3A`) reaches callers that decode as
 * the spec says (grpc-js) with the escapes still in.
 */
export function encodeGrpcMessage(message: string): string {
  if (!/[^\x20-\x24\x26-\x7e]/.test(message)) return message;
  let out = '';
  for (const b of Buffer.from(message, 'utf8')) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

export function decodeGrpcMessage(raw: string | string[] | undefined): string {
  const s = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * grpc-timeout for a number of milliseconds (at most 8 digits, as the spec says). Seconds round
 * down: a receiver's timer (Node's, grpc-js's) holds at most 2^31-1 ms, and rounding up the
 * longest deadline (a stream's, which has none by default) would overflow it into an instant one.
 */
export function grpcTimeout(ms: number): string {
  const v = Math.max(1, Math.ceil(ms));
  return v < 1e8 ? `${v}m` : `${Math.floor(v / 1000)}S`;
}

export function parseGrpcTimeout(raw: string | undefined): number | undefined {
  if (!raw) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(raw);
  if (!m) return undefined;
  const n = Number(m[1]);
  const factor = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 }[m[2] as 'H'];
  return n * factor;
}
