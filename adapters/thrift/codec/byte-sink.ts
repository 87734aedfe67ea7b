/** A growable output buffer shared by the protocol writers. */
export class ByteSink {
  buf: Buffer;
  pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  bytes(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** Writes UTF-8 text at the cursor; the caller has written its length already. */
  utf8(v: string, byteLength: number): void {
    this.ensure(byteLength);
    if (byteLength < 32) {
      // Short strings: a JS loop beats the native call's overhead, for ASCII only.
      let ascii = byteLength === v.length;
      if (ascii) {
        for (let i = 0; i < v.length; i++) {
          const c = v.charCodeAt(i);
          if (c > 0x7f) { ascii = false; break; }
          this.buf[this.pos + i] = c;
        }
      }
      if (ascii) { this.pos += byteLength; return; }
    }
    this.buf.write(v, this.pos, byteLength, 'utf8');
    this.pos += byteLength;
  }

  finish(): Buffer {
    // A copy, so that the (possibly large) work buffer is not kept alive by a small result.
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}
