import { skipValue } from './binary-protocol';
import { BufferReader, SinkWriter } from './protocol-base';
import type { TReader, TWriter } from './protocol';
import { MessageHeader, T, ThriftProtocolError, ThriftUnderrun } from './wire-types';

const PROTOCOL_ID = 0x82;
const VERSION = 1;
const C_TRUE = 1;
const C_FALSE = 2;

/** Binary-protocol type id to compact type id (bool maps to TRUE, as Apache does for headers). */
const TO_COMPACT: number[] = [];
TO_COMPACT[T.BOOL] = C_TRUE;
TO_COMPACT[T.BYTE] = 3;
TO_COMPACT[T.I16] = 4;
TO_COMPACT[T.I32] = 5;
TO_COMPACT[T.I64] = 6;
TO_COMPACT[T.DOUBLE] = 7;
TO_COMPACT[T.STRING] = 8;
TO_COMPACT[T.LIST] = 9;
TO_COMPACT[T.SET] = 10;
TO_COMPACT[T.MAP] = 11;
TO_COMPACT[T.STRUCT] = 12;

const FROM_COMPACT: number[] = [T.STOP, T.BOOL, T.BOOL, T.BYTE, T.I16, T.I32, T.I64, T.DOUBLE, T.STRING, T.LIST, T.SET, T.MAP, T.STRUCT];

function compactType(t: number): number {
  const c = TO_COMPACT[t];
  if (c === undefined) throw new ThriftProtocolError(`unknown wire type ${t}`);
  return c;
}

function binaryType(c: number): number {
  const t = FROM_COMPACT[c];
  if (t === undefined || (c === 0)) throw new ThriftProtocolError(`unknown compact type ${c}`);
  return t;
}

const SAFE = 4503599627370496n; // 2^52: zigzag of anything smaller stays an exact double

/** TCompactProtocol writer. */
export class CompactWriter extends SinkWriter implements TWriter {
  private last = 0;
  private readonly stack: number[] = [];
  private pendingBoolId: number | null = null;

  structBegin(): void {
    this.stack.push(this.last);
    this.last = 0;
  }
  structEnd(): void {
    this.s.u8(0);
    this.last = this.stack.pop() ?? 0;
  }
  private fieldHeader(ct: number, id: number): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.s.u8((delta << 4) | ct);
    else {
      this.s.u8(ct);
      this.varint32(((id << 1) ^ (id >> 31)) >>> 0);
    }
    this.last = id;
  }
  fieldBegin(type: number, id: number): void {
    // A bool field's value lives in its header, so the header waits for the value.
    if (type === T.BOOL) this.pendingBoolId = id;
    else this.fieldHeader(compactType(type), id);
  }
  bool(v: boolean): void {
    if (this.pendingBoolId !== null) {
      this.fieldHeader(v ? C_TRUE : C_FALSE, this.pendingBoolId);
      this.pendingBoolId = null;
    } else this.s.u8(v ? C_TRUE : C_FALSE);
  }
  byte(v: number): void {
    this.s.u8(v & 0xff);
  }
  private varint32(v: number): void {
    const s = this.s;
    s.ensure(5);
    while (v > 0x7f) {
      s.buf[s.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    s.buf[s.pos++] = v;
  }
  i16(v: number): void {
    this.varint32(((v << 1) ^ (v >> 31)) >>> 0);
  }
  i32(v: number): void {
    this.varint32(((v << 1) ^ (v >> 31)) >>> 0);
  }
  i64(v: number | bigint): void {
    const s = this.s;
    s.ensure(10);
    if (typeof v === 'number' ? v < 4503599627370496 && v > -4503599627370496 : v < SAFE && v > -SAFE) {
      const n = Number(v);
      let z = n >= 0 ? n * 2 : -n * 2 - 1;
      while (z > 0x7f) {
        s.buf[s.pos++] = (z % 128) | 0x80;
        z = Math.floor(z / 128);
      }
      s.buf[s.pos++] = z;
      return;
    }
    const b = BigInt(v);
    let u = BigInt.asUintN(64, (b << 1n) ^ (b >> 63n));
    while (u > 0x7fn) {
      s.buf[s.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    s.buf[s.pos++] = Number(u);
  }
  double(v: number): void {
    const s = this.s;
    s.ensure(8);
    s.buf.writeDoubleLE(v, s.pos);
    s.pos += 8;
  }
  protected length(n: number): void {
    this.varint32(n);
  }
  listBegin(elemType: number, size: number): void {
    const ct = compactType(elemType);
    if (size < 15) this.s.u8((size << 4) | ct);
    else {
      this.s.u8(0xf0 | ct);
      this.varint32(size);
    }
  }
  mapBegin(keyType: number, valueType: number, size: number): void {
    if (size === 0) {
      this.s.u8(0);
      return;
    }
    this.varint32(size);
    this.s.u8((compactType(keyType) << 4) | compactType(valueType));
  }
  messageBegin(name: string, type: number, seqid: number): void {
    this.s.u8(PROTOCOL_ID);
    this.s.u8((VERSION & 0x1f) | ((type << 5) & 0xe0));
    this.varint32(seqid >>> 0);
    this.string(name);
  }
}

export class CompactReader extends BufferReader implements TReader {
  private last = 0;
  private readonly stack: number[] = [];
  private hasBool = false;
  private boolValue = false;

  private u8(): number {
    if (this.pos >= this.end) throw new ThriftUnderrun();
    return this.buf[this.pos++];
  }
  private varint32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) {
        const last = this.u8();
        if (last & 0x80) throw new ThriftProtocolError('varint32 too long');
        return (result | (last << 28)) >>> 0;
      }
    }
  }
  structBegin(): void {
    this.stack.push(this.last);
    this.last = 0;
  }
  structEnd(): void {
    this.last = this.stack.pop() ?? 0;
  }
  fieldBegin(): number {
    const b = this.u8();
    if (b === 0) return T.STOP;
    const ct = b & 0x0f;
    const delta = b >> 4;
    if (delta !== 0) this.fieldId = this.last + delta;
    else {
      const z = this.varint32();
      this.fieldId = ((z >>> 1) ^ -(z & 1)) << 16 >> 16;
    }
    this.last = this.fieldId;
    if (ct === C_TRUE || ct === C_FALSE) {
      this.hasBool = true;
      this.boolValue = ct === C_TRUE;
      return T.BOOL;
    }
    return binaryType(ct);
  }
  bool(): boolean {
    if (this.hasBool) {
      this.hasBool = false;
      return this.boolValue;
    }
    return this.u8() === C_TRUE;
  }
  byte(): number {
    return (this.u8() << 24) >> 24;
  }
  i16(): number {
    const z = this.varint32();
    return (((z >>> 1) ^ -(z & 1)) << 16) >> 16;
  }
  i32(): number {
    const z = this.varint32();
    return (z >>> 1) ^ -(z & 1);
  }
  i64(): bigint {
    // Up to 7 groups (49 bits) stay exact in a double; longer ones go the bigint way.
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.u8();
      n += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return BigInt(n % 2 === 0 ? n / 2 : -(n + 1) / 2);
      mul *= 128;
    }
    let u = BigInt(n);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      const b = this.u8();
      u |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        u = BigInt.asUintN(64, u);
        return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
      }
      shift += 7n;
    }
    throw new ThriftProtocolError('varint64 too long');
  }
  double(): number {
    if (this.pos + 8 > this.end) throw new ThriftUnderrun();
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  protected length(): number {
    const n = this.varint32();
    if (n > this.end - this.pos) throw new ThriftUnderrun();
    return n;
  }
  listBegin(): number {
    const b = this.u8();
    let size = b >> 4;
    this.elemType = binaryType(b & 0x0f);
    if (size === 15) size = this.varint32();
    if (size > this.end - this.pos) throw new ThriftUnderrun();
    return size;
  }
  mapBegin(): number {
    const size = this.varint32();
    if (size === 0) {
      this.keyType = 0;
      this.valueType = 0;
      return 0;
    }
    const b = this.u8();
    this.keyType = binaryType(b >> 4);
    this.valueType = binaryType(b & 0x0f);
    if (size > this.end - this.pos) throw new ThriftUnderrun();
    return size;
  }
  messageBegin(): MessageHeader {
    const id = this.u8();
    if (id !== PROTOCOL_ID) throw new ThriftProtocolError(`bad compact protocol id 0x${id.toString(16)}`);
    const vt = this.u8();
    if ((vt & 0x1f) !== VERSION) throw new ThriftProtocolError(`bad compact protocol version ${vt & 0x1f}`);
    const type = (vt >> 5) & 0x07;
    const seqid = this.varint32() | 0;
    const name = this.string();
    return { name, type, seqid };
  }
  skip(type: number): void {
    skipValue(this, type, 0);
  }
}
