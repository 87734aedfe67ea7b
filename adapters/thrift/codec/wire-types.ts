/**
 * Thrift wire type ids. The whole codec speaks the binary protocol's numbering; the compact
 * protocol maps to and from its own ids at its edge, so converters never care which is in use.
 */
export const T = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;

export const MessageType = {
  CALL: 1,
  REPLY: 2,
  EXCEPTION: 3,
  ONEWAY: 4,
} as const;

/** Thrown when bytes end before the value they started: the caller may wait for more (buffered transport). */
export class ThriftUnderrun extends Error {
  constructor() {
    super('thrift data ends early');
    this.name = 'ThriftUnderrun';
  }
}

/** Thrown on bytes that no protocol-conforming peer would send. */
export class ThriftProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThriftProtocolError';
  }
}

export interface MessageHeader {
  name: string;
  type: number;
  seqid: number;
}
