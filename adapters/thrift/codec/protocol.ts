import type { ThriftProtocolName } from '../thrift-model';
import type { MessageHeader } from './wire-types';

/**
 * The small protocol surface the converters need. Types are always given in binary-protocol
 * numbering (wire-types.ts). One writer or reader serves one message and is then dropped.
 */
export interface TWriter {
  structBegin(): void;
  /** Writes the STOP field that ends a struct. */
  structEnd(): void;
  fieldBegin(type: number, id: number): void;
  bool(v: boolean): void;
  byte(v: number): void;
  i16(v: number): void;
  i32(v: number): void;
  /** A number must be a safe integer. */
  i64(v: number | bigint): void;
  double(v: number): void;
  string(v: string): void;
  binary(v: Uint8Array): void;
  /** Lists and sets share one header. */
  listBegin(elemType: number, size: number): void;
  mapBegin(keyType: number, valueType: number, size: number): void;
  messageBegin(name: string, type: number, seqid: number): void;
  /** Appends bytes already encoded in this protocol (an args struct inside an envelope). */
  raw(bytes: Uint8Array): void;
  finish(): Buffer;
}

export interface TReader {
  pos: number;
  /** Set by fieldBegin. */
  fieldId: number;
  /** Set by listBegin. */
  elemType: number;
  /** Set by mapBegin. */
  keyType: number;
  valueType: number;
  structBegin(): void;
  structEnd(): void;
  /** The next field's wire type, STOP (0) at the end of the struct; its id goes to `fieldId`. */
  fieldBegin(): number;
  bool(): boolean;
  byte(): number;
  i16(): number;
  i32(): number;
  i64(): bigint;
  double(): number;
  string(): string;
  binary(): Buffer;
  /** Returns the element count; the element type goes to `elemType`. */
  listBegin(): number;
  /** Returns the entry count; the types go to `keyType` / `valueType`. */
  mapBegin(): number;
  messageBegin(): MessageHeader;
  /** Skips one value of the given wire type, without any IDL. */
  skip(type: number): void;
}

export type WriterFactory = () => TWriter;
export type ReaderFactory = (buf: Buffer, start?: number, end?: number) => TReader;

export type { ThriftProtocolName };
