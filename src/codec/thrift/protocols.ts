import type { ThriftProtocolName } from '../../idl/model';
import { BinaryReader, BinaryWriter } from './binary-protocol';
import { CompactReader, CompactWriter } from './compact-protocol';
import type { TReader, TWriter } from './protocol';

export function newWriter(protocol: ThriftProtocolName): TWriter {
  return protocol === 'compact' ? new CompactWriter() : new BinaryWriter();
}

export function newReader(protocol: ThriftProtocolName, buf: Buffer, start = 0, end = buf.length): TReader {
  return protocol === 'compact' ? new CompactReader(buf, start, end) : new BinaryReader(buf, start, end);
}
