/**
 * A small protobuf wire writer over one growable Buffer. protobufjs' Writer queues an object per
 * value and a fork state per sub-message; here every value goes straight into the buffer, and a
 * sub-message reserves one length byte and moves its bytes only in the rare case (128 bytes or
 * more) where the length needs more. One instance is reused across calls (see `takeWriter`).
 */

const INITIAL_SIZE = 8 * 1024;
/** A writer that grew past this for one huge message is not kept, so its memory is given back. */
const KEEP_LIMIT = 1024 * 1024;
const SHORT_STRING = 32;

export class WireWriter {
  buf: Buffer = Buffer.allocUnsafeSlow(INITIAL_SIZE);
  pos = 0;
  /** Scratch halves of a 64-bit value (see `split`), so no pair object is allocated. */
  private lo = 0;
  private hi = 0;
  /**
   * (field order, start position) of each field written by the messages in progress, the
   * innermost last: a message whose JSON members came out of field-number order moves its
   * fields' bytes into order instead of being written again.
   */
  private marks = new Int32Array(256);
  markTop = 0;

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A copy of what was written: the buffer itself is reused by the next call. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** An unsigned 32-bit varint (tags, lengths, uint32, and int32 values that are not negative). */
  varint32(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let p = this.pos;
    while (v > 127) {
      buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[p++] = v;
    this.pos = p;
  }

  /** int32 and enum: a negative value is sign-extended to ten bytes, as protoc writes it. */
  int32(v: number): void {
    if (v >= 0) this.varint32(v);
    else this.varint64(v >>> 0, 0xffffffff);
  }

  sint32(v: number): void {
    this.varint32(((v << 1) ^ (v >> 31)) >>> 0);
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  fixed32(v: number): void {
    this.ensure(4);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = v & 255;
    buf[p + 1] = (v >>> 8) & 255;
    buf[p + 2] = (v >>> 16) & 255;
    buf[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  float(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeFloatLE(v, this.pos);
  }

  double(v: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(v, this.pos);
  }

  /** Splits an exact 64-bit integer (a safe number or a bigint) into two's complement halves. */
  private split(n: number | bigint): void {
    if (typeof n === 'bigint') {
      const u = BigInt.asUintN(64, n);
      this.lo = Number(u & 0xffffffffn);
      this.hi = Number(u >> 32n);
      return;
    }
    const a = n < 0 ? -n : n;
    let lo = a >>> 0;
    let hi = ((a - lo) / 4294967296) >>> 0;
    if (n < 0) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
      if (++lo > 0xffffffff) {
        lo = 0;
        if (++hi > 0xffffffff) hi = 0;
      }
    }
    this.lo = lo;
    this.hi = hi;
  }

  private varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    while (hi) {
      buf[p++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[p++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    buf[p++] = lo;
    this.pos = p;
  }

  /** int64 and uint64 (the caller has checked the range; uint64 above 2^63 arrives as a bigint). */
  int64(n: number | bigint): void {
    if (typeof n === 'number' && n >= 0 && n <= 0x7fffffff) return this.varint32(n);
    this.split(n);
    this.varint64(this.lo, this.hi);
  }

  sint64(n: number | bigint): void {
    this.split(n);
    const mask = this.hi >> 31;
    this.varint64(((this.lo << 1) ^ mask) >>> 0, (((this.hi << 1) | (this.lo >>> 31)) ^ mask) >>> 0);
  }

  fixed64(n: number | bigint): void {
    this.split(n);
    this.fixed32(this.lo);
    this.fixed32(this.hi);
  }

  /** Notes that the field of rank `order` starts here. */
  mark(order: number): void {
    if (this.markTop + 2 > this.marks.length) {
      const next = new Int32Array(this.marks.length * 2);
      next.set(this.marks);
      this.marks = next;
    }
    this.marks[this.markTop++] = order;
    this.marks[this.markTop++] = this.pos;
  }

  /** Puts the fields marked since `base` (their bytes run from the first mark to here) in field order. */
  sortFields(base: number): void {
    const marks = this.marks;
    const n = (this.markTop - base) / 2;
    if (n < 2) return;
    const start = marks[base + 1]!;
    const end = this.pos;
    const from = (i: number): number => marks[base + 2 * i + 1]!;
    const to = (i: number): number => (i + 1 < n ? from(i + 1) : end);
    const ranks = Array.from({ length: n }, (_, i) => i).sort((a, b) => marks[base + 2 * a]! - marks[base + 2 * b]!);
    const copy = Buffer.from(this.buf.subarray(start, end));
    let p = start;
    for (const i of ranks) {
      p += copy.copy(this.buf, p, from(i) - start, to(i) - start);
    }
  }

  /** Reserves one byte for the length of what follows; returns where the content starts. */
  beginLength(): number {
    this.ensure(1);
    return ++this.pos;
  }

  /** Writes the length of the content since `start`, moving the content when it needs more than one byte. */
  endLength(start: number): void {
    const len = this.pos - start;
    if (len < 128) {
      this.buf[start - 1] = len;
      return;
    }
    const extra = len < 16384 ? 1 : len < 2097152 ? 2 : len < 268435456 ? 3 : 4;
    this.ensure(extra);
    this.buf.copyWithin(start + extra, start, this.pos);
    this.pos += extra;
    let v = len;
    let p = start - 1;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
  }

  /** A length-prefixed UTF-8 string (already checked to be well formed). */
  string(s: string): void {
    const n = s.length;
    // Short ASCII strings, the common case: copying bytes in JS beats the ~80 ns of a native
    // write up to about 30 characters, and the length surely fits the one byte reserved.
    if (n <= SHORT_STRING) {
      this.ensure(n + 1);
      const buf = this.buf;
      const start = this.pos;
      let p = start + 1;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) return this.utf8String(s);
        buf[p++] = c;
      }
      buf[start] = n;
      this.pos = p;
      return;
    }
    this.utf8String(s);
  }

  private utf8String(s: string): void {
    this.ensure(s.length * 3 + 5);
    const start = this.beginLength();
    this.pos += this.buf.write(s, start, 'utf8');
    this.endLength(start);
  }

  bytes(b: Uint8Array): void {
    this.varint32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

let idle: WireWriter | undefined;

/** The shared writer, emptied; a nested call (which encoding never makes) gets a fresh one. */
export function takeWriter(): WireWriter {
  const w = idle ?? new WireWriter();
  idle = undefined;
  w.pos = 0;
  w.markTop = 0;
  return w;
}

export function releaseWriter(w: WireWriter): void {
  if (w.buf.length <= KEEP_LIMIT) idle = w;
}
