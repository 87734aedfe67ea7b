import { MeshError } from '../../src/errors/mesh-error';

/**
 * FastCGI 1.0 records (the FastCGI specification, section 3): an 8-byte header
 * `version | type | requestId u16 | contentLength u16 | paddingLength | reserved`, the content,
 * the padding. The mesh is the web server's side: it writes BEGIN_REQUEST, PARAMS and STDIN, and
 * reads STDOUT, STDERR and END_REQUEST back from PHP-FPM.
 */
export const FcgiType = {
  beginRequest: 1,
  abortRequest: 2,
  endRequest: 3,
  params: 4,
  stdin: 5,
  stdout: 6,
  stderr: 7,
  getValues: 9,
  getValuesResult: 10,
  unknownType: 11,
} as const;

const version = 1;
const headerBytes = 8;
const maxContent = 0xffff;
const roleResponder = 1;
const keepConnFlag = 1;
/** END_REQUEST's protocolStatus: the request completed (others: CANT_MPX_CONN, OVERLOADED, UNKNOWN_ROLE). */
export const requestComplete = 0;

function header(type: number, requestId: number, length: number, padding: number): Buffer {
  const h = Buffer.allocUnsafe(headerBytes);
  h[0] = version;
  h[1] = type;
  h.writeUInt16BE(requestId, 2);
  h.writeUInt16BE(length, 4);
  h[6] = padding;
  h[7] = 0;
  return h;
}

/** Records of `type` carrying `content` (split at 64 KiB, padded to 8 bytes), then the empty record that ends the stream. */
export function streamRecords(type: number, requestId: number, content: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < content.length; at += maxContent) {
    const part = content.subarray(at, Math.min(content.length, at + maxContent));
    const padding = (8 - (part.length % 8)) % 8;
    out.push(header(type, requestId, part.length, padding), part);
    if (padding) out.push(Buffer.alloc(padding));
  }
  out.push(header(type, requestId, 0, 0));
  return out;
}

/** BEGIN_REQUEST as a responder, keeping the connection open for the next request when `keepConn`. */
export function beginRequest(requestId: number, keepConn: boolean): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16BE(roleResponder, 0);
  body[2] = keepConn ? keepConnFlag : 0;
  return Buffer.concat([header(FcgiType.beginRequest, requestId, 8, 0), body]);
}

/** Name-value pairs: each length in one byte below 128, else four with the high bit set. */
export function encodeParams(params: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(params)) {
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'utf8');
    parts.push(lengthOf(n.length), lengthOf(v.length), n, v);
  }
  return Buffer.concat(parts);
}

function lengthOf(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0, 0);
  return b;
}

export interface FcgiRecord {
  readonly type: number;
  readonly requestId: number;
  readonly content: Buffer;
}

/**
 * Cuts a byte stream into records, whatever the chunking. A record is at most 64 KiB + 255
 * padding by its header, so nothing buffers beyond one record; a version other than 1 is a
 * broken stream (the connection is not reused).
 */
export class FcgiRecordDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer, onRecord: (r: FcgiRecord) => void): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= headerBytes) {
      if (buf[at] !== version) throw new MeshError('UNAVAILABLE', `FastCGI: a record of version ${buf[at]}, not 1`);
      const length = buf.readUInt16BE(at + 4);
      const total = headerBytes + length + buf[at + 6]!;
      if (buf.length - at < total) break;
      onRecord({ type: buf[at + 1]!, requestId: buf.readUInt16BE(at + 2), content: buf.subarray(at + headerBytes, at + headerBytes + length) });
      at += total;
    }
    buf = buf.subarray(at);
    // Copied, so a kept remainder does not pin the whole chunk it came in.
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }
}

/** END_REQUEST's content: appStatus u32, protocolStatus u8. */
export function endRequestOf(content: Buffer): { appStatus: number; protocolStatus: number } {
  if (content.length < 5) throw new MeshError('UNAVAILABLE', 'FastCGI: END_REQUEST shorter than 5 bytes');
  return { appStatus: content.readUInt32BE(0), protocolStatus: content[4]! };
}
