import { MeshError } from '../../errors/mesh-error';

/**
 * The peer hop's own framing (docs/architecture.md, "The peer hop's wire format"): unary calls
 * multiplexed over one TCP or TLS connection per peer, each frame
 * `u32 payload length | u8 type | u32 stream id | payload`, both ends ours. It replaces HTTP/2
 * between sidecars because node:http2 costs ten times as much per call as this framing.
 */

/** ALPN name of the framing over TLS; a listener that only offers `h2` is an older sidecar. */
export const muxAlpn = 'transmesh-mux/1';
/** First bytes either way on a new connection: tells the listener from an HTTP/2 preface (`PRI * HTTP/2.0`). */
export const muxMagic = Buffer.from('TMUX/1\r\n', 'latin1');

export const FrameType = {
  /** Client → server: header block, then the request as one gRPC-framed message. */
  request: 1,
  /** Server → client: header block (grpc-status, grpc-message, metadata), then the gRPC-framed answer. */
  response: 2,
  /** Client → server: the caller went away or its deadline passed; no answer is wanted. */
  cancel: 3,
  /** Either way: 8 opaque bytes, answered by a PONG carrying them back. */
  ping: 4,
  pong: 5,
  /** Server → client: u32 last stream id taken; later ones were never seen and may go elsewhere. */
  goaway: 6,
  /** Server → client: this stream was not taken (a cap was reached); nothing ran. */
  refused: 7,
  /** Client → server: a streaming call starts; header block only (as REQUEST's), the messages follow as DATA. */
  open: 8,
  /** Either way on a streaming call: one message in gRPC's 5-byte framing; the sender needs credit (WINDOW). */
  data: 9,
  /** Client → server: the caller sent its last message. */
  halfClose: 10,
  /** Server → client: the provider's response headers; the stream has started. */
  headers: 11,
  /** Server → client: the stream's end: header block with grpc-status and the trailing metadata (alone: trailers-only). */
  end: 12,
  /** Either way on a streaming call: u32 more bytes of DATA the sender may send. */
  window: 13,
} as const;

/**
 * Each side of a streaming call starts with this much credit for DATA it sends (each message
 * costs its length + 5). A side may send while its credit is above zero, so one message may
 * overshoot: a receiver holds at most this plus one message per stream and direction, and
 * grants credit back (WINDOW) as its reader takes messages, half a window at a time.
 */
export const streamWindowBytes = 256 * 1024;

export const frameHeaderBytes = 9;
/** Caps on a header block, checked while decoding: no peer makes this side hold more. */
export const maxHeaderBlockBytes = 64 * 1024;
export const maxHeaderCount = 256;
/** The gRPC message prefix (flag + u32 length) the message part keeps, so providers get the bytes the h2 hop gives them. */
const grpcPrefixBytes = 5;

/** The largest frame a side accepts for messages of at most `maxMessageBytes`. */
export function maxFrameBytes(maxMessageBytes: number): number {
  return maxHeaderBlockBytes + grpcPrefixBytes + maxMessageBytes;
}

export type MuxHeaders = Record<string, string>;

/** One scratch area per process for header blocks: the frame is allocated once its size is known. */
const scratch = Buffer.allocUnsafe(maxHeaderBlockBytes);

/** Writes a header block into `scratch`; returns its length. */
function writeHeaderBlock(headers: Readonly<Record<string, unknown>>): number {
  let at = 2;
  let count = 0;
  for (const key in headers) {
    const v = headers[key];
    if (v === undefined) continue;
    const value = typeof v === 'string' ? v : Array.isArray(v) ? v.join(', ') : String(v);
    // Room for the two lengths and the worst case of both strings; a block over the cap is the caller's mistake.
    if (at + 6 + 3 * (key.length + value.length) > maxHeaderBlockBytes) throw new MeshError('INTERNAL', `headers over the ${maxHeaderBlockBytes}-byte limit of the peer hop`);
    const k = scratch.write(key, at + 2, 'utf8');
    scratch.writeUInt16BE(k, at);
    at += 2 + k;
    const n = scratch.write(value, at + 4, 'utf8');
    scratch.writeUInt32BE(n, at);
    at += 4 + n;
    count++;
  }
  if (count > maxHeaderCount) throw new MeshError('INTERNAL', `more than ${maxHeaderCount} headers on the peer hop`);
  scratch.writeUInt16BE(count, 0);
  return at;
}

/**
 * A REQUEST or RESPONSE frame in one buffer. `message` is unframed unless `framed` says it
 * already carries its gRPC prefix (a provider's answer, passed through untouched).
 */
export function encodeMessageFrame(type: number, id: number, headers: Readonly<Record<string, unknown>>, message: Uint8Array, framed: boolean): Buffer {
  const block = writeHeaderBlock(headers);
  const prefix = framed ? 0 : grpcPrefixBytes;
  const out = Buffer.allocUnsafe(frameHeaderBytes + block + prefix + message.length);
  out.writeUInt32BE(block + prefix + message.length, 0);
  out[4] = type;
  out.writeUInt32BE(id, 5);
  scratch.copy(out, frameHeaderBytes, 0, block);
  let at = frameHeaderBytes + block;
  if (!framed) {
    out[at] = 0;
    out.writeUInt32BE(message.length, at + 1);
    at += grpcPrefixBytes;
  }
  out.set(message, at);
  return out;
}

/** A frame with a fixed payload (CANCEL, REFUSED: none; PING/PONG: 8 bytes; GOAWAY: u32). */
export function encodeFrame(type: number, id: number, payload?: Uint8Array): Buffer {
  const n = payload?.length ?? 0;
  const out = Buffer.allocUnsafe(frameHeaderBytes + n);
  out.writeUInt32BE(n, 0);
  out[4] = type;
  out.writeUInt32BE(id, 5);
  if (payload) out.set(payload, frameHeaderBytes);
  return out;
}

/** A DATA frame: one message with its gRPC prefix. */
export function encodeData(id: number, message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(frameHeaderBytes + grpcPrefixBytes + message.length);
  out.writeUInt32BE(grpcPrefixBytes + message.length, 0);
  out[4] = FrameType.data;
  out.writeUInt32BE(id, 5);
  out[frameHeaderBytes] = 0;
  out.writeUInt32BE(message.length, frameHeaderBytes + 1);
  out.set(message, frameHeaderBytes + grpcPrefixBytes);
  return out;
}

/** A frame that is a header block alone (OPEN, HEADERS, END). */
export function encodeHeadersFrame(type: number, id: number, headers: Readonly<Record<string, unknown>>): Buffer {
  const block = writeHeaderBlock(headers);
  const out = Buffer.allocUnsafe(frameHeaderBytes + block);
  out.writeUInt32BE(block, 0);
  out[4] = type;
  out.writeUInt32BE(id, 5);
  scratch.copy(out, frameHeaderBytes, 0, block);
  return out;
}

export function encodeWindow(id: number, bytes: number): Buffer {
  const out = encodeFrame(FrameType.window, id, Buffer.alloc(4));
  out.writeUInt32BE(bytes, frameHeaderBytes);
  return out;
}

/**
 * The message of a DATA frame, checked: exactly one uncompressed gRPC message of at most
 * `maxMessageBytes`. Throws a MeshError: RESOURCE_EXHAUSTED over the limit, INTERNAL otherwise.
 */
export function decodeData(payload: Buffer, maxMessageBytes: number): Buffer {
  if (payload.length < grpcPrefixBytes || payload[0] !== 0) throw malformed('DATA is not one uncompressed gRPC message');
  const len = payload.readUInt32BE(1);
  if (len > maxMessageBytes) throw new MeshError('RESOURCE_EXHAUSTED', `message of ${len} bytes is over the ${maxMessageBytes}-byte limit (TRANSMESH_MAX_MESSAGE_BYTES)`);
  if (len !== payload.length - grpcPrefixBytes) throw malformed('DATA length does not match its gRPC prefix');
  return payload.subarray(grpcPrefixBytes);
}

/** The credit of a WINDOW frame; a malformed one (not 4 bytes, or zero) throws. */
export function decodeWindow(payload: Buffer): number {
  if (payload.length !== 4) throw malformed('WINDOW is not 4 bytes');
  const n = payload.readUInt32BE(0);
  if (n === 0) throw malformed('WINDOW of 0 bytes');
  return n;
}

export function encodeGoaway(lastId: number): Buffer {
  const out = encodeFrame(FrameType.goaway, 0, Buffer.alloc(4));
  out.writeUInt32BE(lastId, frameHeaderBytes);
  return out;
}

/** A header block and the gRPC-framed message after it. Throws a MeshError on a malformed block. */
export function decodeMessage(payload: Buffer): { headers: MuxHeaders; body: Buffer } {
  if (payload.length < 2) throw malformed('no header block');
  const count = payload.readUInt16BE(0);
  if (count > maxHeaderCount) throw malformed(`${count} headers, over the ${maxHeaderCount} allowed`);
  const headers: MuxHeaders = Object.create(null) as MuxHeaders;
  let at = 2;
  for (let i = 0; i < count; i++) {
    if (at + 2 > payload.length) throw malformed('header block cut short');
    const k = payload.readUInt16BE(at);
    at += 2;
    if (at + k + 4 > payload.length) throw malformed('header block cut short');
    const key = payload.toString('utf8', at, at + k);
    at += k;
    const n = payload.readUInt32BE(at);
    at += 4;
    if (n > payload.length - at) throw malformed('header block cut short');
    headers[key] = payload.toString('utf8', at, at + n);
    at += n;
    if (at > maxHeaderBlockBytes) throw malformed(`header block over ${maxHeaderBlockBytes} bytes`);
  }
  return { headers, body: payload.subarray(at) };
}

function malformed(what: string): MeshError {
  return new MeshError('INTERNAL', `malformed peer frame: ${what}`);
}

export interface FrameSink {
  /** A whole frame; `payload` may be a view into the received chunk, valid during the call only if kept. */
  frame(type: number, id: number, payload: Buffer): void;
  /** A frame longer than the limit: its payload is skipped as it arrives, never buffered. */
  oversize(type: number, id: number, length: number): void;
}

/**
 * Splits a byte stream into frames. Holds at most one partial frame (never more than the limit
 * plus a chunk), skips the payload of an oversized one, and never throws on any input: a
 * malformed payload is for the sink to judge.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the partial frame needs before it is worth joining the chunks (its header, then all of it). */
  private needed = 0;
  private skipping = 0;

  constructor(
    private readonly limit: number,
    private readonly sink: FrameSink,
  ) {}

  /** A frame is partly received (the body timeout runs while this is true). */
  get partial(): boolean {
    return this.buffered > 0 || this.skipping > 0;
  }

  push(chunk: Buffer): void {
    if (this.skipping > 0) {
      if (chunk.length <= this.skipping) {
        this.skipping -= chunk.length;
        return;
      }
      chunk = chunk.subarray(this.skipping);
      this.skipping = 0;
    }
    if (this.buffered > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      // Joined once, when the frame is whole: a large message in many chunks is copied once, not once per chunk.
      if (this.buffered < this.needed) return;
      chunk = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.buffered = 0;
    }
    let at = 0;
    let needed = frameHeaderBytes;
    while (chunk.length - at >= frameHeaderBytes) {
      const length = chunk.readUInt32BE(at);
      const type = chunk[at + 4];
      const id = chunk.readUInt32BE(at + 5);
      if (length > this.limit) {
        const available = chunk.length - at - frameHeaderBytes;
        this.sink.oversize(type, id, length);
        if (available >= length) {
          at += frameHeaderBytes + length;
          continue;
        }
        this.skipping = length - available;
        return;
      }
      if (chunk.length - at - frameHeaderBytes < length) {
        needed = frameHeaderBytes + length;
        break;
      }
      const start = at + frameHeaderBytes;
      at = start + length;
      this.sink.frame(type, id, chunk.subarray(start, at));
    }
    if (at < chunk.length) {
      // The rest waits: a short header, or a frame within the limit whose payload is still coming.
      this.chunks.push(at === 0 ? chunk : chunk.subarray(at));
      this.buffered = chunk.length - at;
      this.needed = needed;
    }
  }
}
