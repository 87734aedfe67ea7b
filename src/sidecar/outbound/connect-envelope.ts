import { MeshError } from '../../errors/mesh-error';
import { connectErrorJson } from './connect-error';

/**
 * Connect's streaming framing (`application/connect+json`): each message is an envelope of a
 * flags byte, a big-endian u32 length and that many bytes; the last one, flagged end-stream,
 * holds `{"error": {...}, "metadata": {...}}` instead of a message.
 */

export const EnvelopeFlags = {
  compressed: 0x01,
  endStream: 0x02,
} as const;

const headerBytes = 5;

export interface Envelope {
  readonly flags: number;
  readonly payload: Buffer;
}

export function envelope(flags: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(headerBytes + payload.length);
  out[0] = flags;
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, headerBytes);
  return out;
}

/** A stream's message as JSON text in its envelope. */
export function messageEnvelope(json: string): Buffer {
  return envelope(0, Buffer.from(json, 'utf8'));
}

/**
 * The end-stream message: the error in Connect's shape when the stream failed, and the provider's
 * trailing metadata, each value as a list as Connect writes them.
 */
export function endStreamEnvelope(err: MeshError | undefined, metadata: Readonly<Record<string, string>> | undefined): Buffer {
  const end: Record<string, unknown> = {};
  if (err) end.error = connectErrorJson(err);
  const md = metadata ?? err?.metadata;
  if (md && Object.keys(md).length) {
    const lists: Record<string, string[]> = {};
    for (const k in md) lists[k] = [md[k]];
    end.metadata = lists;
  }
  return envelope(EnvelopeFlags.endStream, Buffer.from(JSON.stringify(end), 'utf8'));
}

/**
 * Reads envelopes from a byte stream as it arrives. It holds at most one envelope's bytes: a
 * length over `maxMessageBytes` is refused from the header alone, before anything is buffered.
 */
export class EnvelopeReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** The envelopes `chunk` completes, in order; throws MeshError on a malformed or oversized one. */
  push(chunk: Buffer): Envelope[] {
    if (this.ended) {
      if (chunk.length) throw new MeshError('INVALID_ARGUMENT', 'data after the end-stream message');
      return [];
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const out: Envelope[] = [];
    while (this.pendingBytes >= headerBytes) {
      const head = this.peek(headerBytes);
      const flags = head[0];
      if (flags & ~(EnvelopeFlags.compressed | EnvelopeFlags.endStream)) throw new MeshError('INVALID_ARGUMENT', `unknown envelope flags 0x${flags.toString(16)}`);
      if (flags & EnvelopeFlags.compressed) throw new MeshError('UNIMPLEMENTED', 'a compressed envelope: no compression was negotiated (only identity is supported)');
      const length = head.readUInt32BE(1);
      if (length > this.maxMessageBytes) throw new MeshError('RESOURCE_EXHAUSTED', `message of ${length} bytes over the limit of ${this.maxMessageBytes} (TRANSMESH_MAX_MESSAGE_BYTES)`);
      if (this.pendingBytes < headerBytes + length) break;
      const whole = this.take(headerBytes + length);
      out.push({ flags, payload: whole.subarray(headerBytes) });
      if (flags & EnvelopeFlags.endStream) {
        this.ended = true;
        if (this.pendingBytes) throw new MeshError('INVALID_ARGUMENT', 'data after the end-stream message');
        break;
      }
    }
    return out;
  }

  /** Call at the end of the input: throws when it stopped inside an envelope. */
  finish(): void {
    if (this.pendingBytes) throw new MeshError('INVALID_ARGUMENT', `the stream ended inside an envelope (${this.pendingBytes} bytes left over)`);
  }

  private peek(n: number): Buffer {
    if (this.pending[0].length < n) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
    return this.pending[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    return all.subarray(0, n);
  }
}
