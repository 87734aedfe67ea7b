import type { ThriftProtocolName } from '../thrift-model';
import { BinaryReader, BinaryWriter } from './binary-protocol';
import { CompactReader, CompactWriter } from './compact-protocol';
import type { TReader, TWriter } from './protocol';
import { T } from './wire-types';

export function newWriter(protocol: ThriftProtocolName): TWriter {
  return protocol === 'compact' ? new CompactWriter() : new BinaryWriter();
}

export function newReader(protocol: ThriftProtocolName, buf: Buffer, start = 0, end = buf.length): TReader {
  return protocol === 'compact' ? new CompactReader(buf, start, end) : new BinaryReader(buf, start, end);
}

/**
 * Reads the one struct in `bytes` (a reply's result struct, an exception), handing each field to
 * `take` with the reader positioned on its value; a field `take` declines (returns false) is skipped.
 */
export function readStruct(protocol: ThriftProtocolName, bytes: Buffer, take: (r: TReader, type: number, id: number) => boolean): void {
  const r = newReader(protocol, bytes);
  r.structBegin();
  for (;;) {
    const t = r.fieldBegin();
    if (t === T.STOP) break;
    if (!take(r, t, r.fieldId)) r.skip(t);
  }
  r.structEnd();
}
