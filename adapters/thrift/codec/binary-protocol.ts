import { BufferReader, SinkWriter } from './protocol-base';
import type { TReader, TWriter } from './protocol';
import { MessageHeader, T, ThriftProtocolError, ThriftUnderrun } from './wire-types';

const VERSION_1 = 0x80010000 | 0;
const VERSION_MASK = 0xffff0000 | 0;

/** TBinaryProtocol (strict write, as Apache writes by default). */
export class BinaryWriter extends SinkWriter implements TWriter {

  structBegin(): void {}
  structEnd(): void {
    this.s.u8(T.STOP);
  }
  fieldBegin(type: number, id: number): void {
    const s = this.s;
    s.ensure(3);
    s.buf[s.pos] = type;
    s.buf.writeInt16BE(id, s.pos + 1);
    s.pos += 3;
  }
  bool(v: boolean): void {
    this.s.u8(v ? 1 : 0);
  }
  byte(v: number): void {
    this.s.u8(v & 0xff);
  }
  i16(v: number): void {
    const s = this.s;
    s.ensure(2);
    s.buf.writeInt16BE(v, s.pos);
    s.pos += 2;
  }
  i32(v: number): void {
    const s = this.s;
    s.ensure(4);
    s.buf.writeInt32BE(v, s.pos);
    s.pos += 4;
  }
  i64(v: number | bigint): void {
    const s = this.s;
    s.ensure(8);
    if (typeof v === 'number') {
      const hi = Math.floor(v / 4294967296);
      s.buf.writeInt32BE(hi, s.pos);
      s.buf.writeUInt32BE(v - hi * 4294967296, s.pos + 4);
    } else s.buf.writeBigInt64BE(v, s.pos);
    s.pos += 8;
  }
  double(v: number): void {
    const s = this.s;
    s.ensure(8);
    s.buf.writeDoubleBE(v, s.pos);
    s.pos += 8;
  }
  protected length(n: number): void {
    this.i32(n);
  }
  listBegin(elemType: number, size: number): void {
    this.s.u8(elemType);
    this.i32(size);
  }
  mapBegin(keyType: number, valueType: number, size: number): void {
    this.s.u8(keyType);
    this.s.u8(valueType);
    this.i32(size);
  }
  messageBegin(name: string, type: number, seqid: number): void {
    this.i32(VERSION_1 | type);
    this.string(name);
    this.i32(seqid);
  }
}

export class BinaryReader extends BufferReader implements TReader {

  private need(n: number): void {
    if (this.pos + n > this.end) throw new ThriftUnderrun();
  }

  structBegin(): void {}
  structEnd(): void {}

  fieldBegin(): number {
    this.need(1);
    const type = this.buf[this.pos++];
    if (type === T.STOP) return type;
    this.need(2);
    this.fieldId = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return type;
  }
  bool(): boolean {
    this.need(1);
    return this.buf[this.pos++] !== 0;
  }
  byte(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  double(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  protected length(): number {
    const n = this.i32();
    if (n < 0) throw new ThriftProtocolError(`negative length ${n}`);
    this.need(n);
    return n;
  }
  private count(n: number): number {
    if (n < 0) throw new ThriftProtocolError(`negative size ${n}`);
    // Every element takes at least one byte, except in empty-ish edge cases; this bounds allocation.
    if (n > this.end - this.pos) throw new ThriftUnderrun();
    return n;
  }
  listBegin(): number {
    this.need(5);
    this.elemType = this.buf[this.pos++];
    return this.count(this.i32());
  }
  mapBegin(): number {
    this.need(6);
    this.keyType = this.buf[this.pos++];
    this.valueType = this.buf[this.pos++];
    return this.count(this.i32());
  }
  messageBegin(): MessageHeader {
    const first = this.i32();
    if (first < 0) {
      if ((first & VERSION_MASK) !== VERSION_1) throw new ThriftProtocolError(`bad binary protocol version 0x${(first >>> 0).toString(16)}`);
      const type = first & 0xff;
      const name = this.string();
      const seqid = this.i32();
      return { name, type, seqid };
    }
    // Old non-strict form: name length first, then name, type byte, seqid.
    this.pos -= 4;
    const name = this.string();
    const type = this.byte();
    const seqid = this.i32();
    return { name, type, seqid };
  }
  skip(type: number): void {
    skipValue(this, type, 0);
  }
}

const MAX_DEPTH = 64;

/** Skips one value through the TReader surface; shared by both protocols. */
export function skipValue(r: TReader, type: number, depth: number): void {
  if (depth > MAX_DEPTH) throw new ThriftProtocolError('nesting too deep');
  switch (type) {
    case T.BOOL: r.bool(); return;
    case T.BYTE: r.byte(); return;
    case T.I16: r.i16(); return;
    case T.I32: r.i32(); return;
    case T.I64: r.i64(); return;
    case T.DOUBLE: r.double(); return;
    case T.STRING: r.binary(); return;
    case T.STRUCT: {
      r.structBegin();
      for (;;) {
        const t = r.fieldBegin();
        if (t === T.STOP) break;
        skipValue(r, t, depth + 1);
      }
      r.structEnd();
      return;
    }
    case T.MAP: {
      const n = r.mapBegin();
      const kt = r.keyType;
      const vt = r.valueType;
      for (let i = 0; i < n; i++) {
        skipValue(r, kt, depth + 1);
        skipValue(r, vt, depth + 1);
      }
      return;
    }
    case T.SET:
    case T.LIST: {
      const n = r.listBegin();
      const et = r.elemType;
      for (let i = 0; i < n; i++) skipValue(r, et, depth + 1);
      return;
    }
    default:
      throw new ThriftProtocolError(`unknown wire type ${type}`);
  }
}
