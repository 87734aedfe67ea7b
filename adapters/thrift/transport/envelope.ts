import type { ThriftProtocolName } from '../thrift-model';
import { newReader, newWriter } from '../codec/protocols';
import { MessageHeader, T, ThriftUnderrun } from '../codec/wire-types';

export { MessageType } from '../codec/wire-types';

/** The message envelope alone (name, type, seqid), to be followed by a struct's bytes. */
export function encodeEnvelope(protocol: ThriftProtocolName, name: string, type: number, seqid: number): Buffer {
  const w = newWriter(protocol);
  w.messageBegin(name, type, seqid);
  return w.finish();
}

export interface DecodedMessage {
  readonly header: MessageHeader;
  /** Offset of the message's struct within the buffer. */
  readonly bodyStart: number;
}

/** Reads the envelope at `start`; throws ThriftUnderrun when the bytes stop early. */
export function decodeEnvelope(protocol: ThriftProtocolName, buf: Buffer, start = 0, end = buf.length): DecodedMessage {
  const r = newReader(protocol, buf, start, end);
  const header = r.messageBegin();
  return { header, bodyStart: r.pos };
}

/**
 * Where the message starting at `start` ends, found by skipping its struct with no IDL;
 * -1 while the bytes are still incomplete. Buffered transport has no other end marker.
 */
export function messageEnd(protocol: ThriftProtocolName, buf: Buffer, start = 0, end = buf.length): number {
  try {
    const r = newReader(protocol, buf, start, end);
    r.messageBegin();
    r.skip(T.STRUCT);
    return r.pos;
  } catch (err) {
    if (err instanceof ThriftUnderrun) return -1;
    throw err;
  }
}

/**
 * Whether `buf` is exactly one struct in `protocol`, checked by skipping it with no IDL: bytes
 * written to a pooled connection must end where the message ends, or what is left over would
 * become the start of the next caller's message.
 */
export function isOneStruct(protocol: ThriftProtocolName, buf: Buffer): boolean {
  try {
    const r = newReader(protocol, buf, 0, buf.length);
    r.skip(T.STRUCT);
    return r.pos === buf.length;
  } catch {
    return false;
  }
}
