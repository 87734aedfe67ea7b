import { MeshError } from '../../../src/errors/mesh-error';
import type { CallerConnection, CallerConnectionOptions, CallerMessage } from '../../../src/protocol/native-callers';
import { decodeEnvelope, isOneStruct, messageEnd, MessageType } from '../transport/envelope';
import { ThriftCallerMessage } from './caller-message';
import { detectWire, notThrift, type ThriftWire } from './wire-detect';

/** Apache's TMultiplexedProtocol: `<service>:<method>`. */
const separator = ':';

/**
 * Reads one native Thrift caller's connection: the wire from its first bytes (wire-detect.ts),
 * then message after message, framed (size from the frame header, refused over the limit before
 * it is buffered) or unframed (the end found by skipping the struct with no IDL). Only CALL and
 * ONEWAY messages are taken; anything else is refused and the connection closed.
 */
export class ThriftCallerConnection implements CallerConnection {
  private wire: ThriftWire | undefined;
  /** Bytes not yet part of a message taken, in a buffer grown by doubling. */
  private buf = Buffer.alloc(0);
  private buffered = 0;
  /** Size of the unframed message in progress when its end was last looked for (0: not yet). */
  private triedAt = 0;
  deferred = false;

  constructor(private readonly options: CallerConnectionOptions) {}

  get partial(): boolean {
    return this.buffered > 0;
  }

  push(chunk: Buffer): CallerMessage[] {
    this.append(chunk);
    return this.read(chunk.length < bigChunk);
  }

  flush(): CallerMessage[] {
    this.deferred = false;
    return this.read(true);
  }

  /** The messages complete in the buffer; `eager`: look for an unframed message's end even if little was added since the last look. */
  private read(eager: boolean): CallerMessage[] {
    const out: CallerMessage[] = [];
    let start = 0;
    try {
      for (;;) {
        const at = this.nextMessage(start, eager);
        if (!at) break;
        out.push(this.take(at[0], at[1]));
        start = at[1];
      }
    } catch (err) {
      throw err instanceof MeshError ? err : new MeshError('INVALID_ARGUMENT', `not a Thrift call: ${(err as Error).message}`);
    }
    if (start > 0) {
      this.buf.copy(this.buf, 0, start, this.buffered);
      this.buffered -= start;
    }
    return out;
  }

  private append(chunk: Buffer): void {
    if (this.buffered + chunk.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.buffered + chunk.length, 4096));
      this.buf.copy(grown, 0, 0, this.buffered);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.buffered);
    this.buffered += chunk.length;
  }

  /** Where the message at `start` lies in the buffer ([from, to) of envelope and struct); undefined while it is incomplete. */
  private nextMessage(start: number, eager: boolean): [number, number] | undefined {
    const max = this.options.maxMessageBytes;
    const buf = this.buf.subarray(start, this.buffered);
    if (buf.length === 0) return undefined;
    if (!this.wire) {
      const wire = detectWire(buf);
      if (wire === notThrift) throw new MeshError('INVALID_ARGUMENT', 'not a Thrift message: expected binary (strict, 0x8001) or compact (0x82), framed or not');
      if (!wire) return undefined;
      this.wire = wire;
    }
    if (this.wire.transport === 'framed') {
      if (buf.length < 4) return undefined;
      const size = buf.readUInt32BE(0);
      if (size > max) throw tooLarge(`frame of ${size} bytes`, max);
      if (buf.length < 4 + size) return undefined;
      return [start + 4, start + 4 + size];
    }
    if (buf.length > max) throw tooLarge(`an unframed message of over ${buf.length} bytes`, max);
    // Unframed transport has no length: the end is found by skipping the struct, which starts
    // over each time. After a big chunk (more are likely in this I/O turn) it is looked for only
    // once the message has doubled since the last look, or when the listener flushes: linear work.
    if (!eager && buf.length < 2 * this.triedAt) {
      this.deferred = true;
      return undefined;
    }
    this.triedAt = buf.length;
    const end = messageEnd(this.wire.protocol, buf);
    if (end < 0) return undefined;
    this.triedAt = 0;
    return [start, start + end];
  }

  private take(from: number, to: number): CallerMessage {
    const wire = this.wire!;
    const { header, bodyStart } = decodeEnvelope(wire.protocol, this.buf, from, to);
    if (header.type !== MessageType.CALL && header.type !== MessageType.ONEWAY) throw new MeshError('INVALID_ARGUMENT', `a caller sent a message of type ${header.type}; only calls (1) and oneway calls (4) are taken`);
    // A copy: the buffer is reused for the next bytes while the call is in flight.
    const args = Buffer.from(this.buf.subarray(bodyStart, to));
    if (wire.transport === 'framed' && !isOneStruct(wire.protocol, args)) throw new MeshError('INVALID_ARGUMENT', `the frame of ${header.name} is not one message`);
    const { service, method, refused } = this.route(header.name);
    return new ThriftCallerMessage(wire, service, method, header.seqid, header.type === MessageType.ONEWAY, args, refused);
  }

  /** The service and method a message's name calls, on this listener. */
  private route(name: string): { service: string; method: string; refused?: MeshError } {
    const one = this.options.service;
    const sep = name.indexOf(separator);
    if (one !== undefined) {
      if (sep < 0) return { service: one, method: name };
      if (name.slice(0, sep) === one) return { service: one, method: name.slice(sep + 1) };
      return { service: one, method: name, refused: new MeshError('UNIMPLEMENTED', `this listener serves ${one} only; call "${name.slice(0, sep)}" on a multiplexed --thrift-listen`) };
    }
    if (sep > 0) return { service: name.slice(0, sep), method: name.slice(sep + 1) };
    return {
      service: '',
      method: name,
      refused: new MeshError('UNIMPLEMENTED', `"${name}" names no service: this listener takes TMultiplexedProtocol names <service>:<method> (such as orders.OrderService:getOrder), or serves one service when started as --thrift-listen ADDR=SERVICE`),
    };
  }
}

/** A chunk this big (a socket read's 64 KiB) is likely followed by more in the same I/O turn. */
const bigChunk = 65536;

function tooLarge(what: string, max: number): MeshError {
  return new MeshError('RESOURCE_EXHAUSTED', `${what} is over the ${max}-byte limit (TRANSMESH_MAX_MESSAGE_BYTES)`);
}
