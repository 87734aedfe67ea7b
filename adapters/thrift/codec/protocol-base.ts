import { ByteSink } from './byte-sink';

/** What the writers of both protocols share: the byte sink, appended to or finished whole. */
export abstract class SinkWriter {
  protected readonly s = new ByteSink();

  /** Writes the length prefix of a string or binary value. */
  protected abstract length(n: number): void;

  string(v: string): void {
    const n = Buffer.byteLength(v, 'utf8');
    this.length(n);
    this.s.utf8(v, n);
  }
  binary(v: Uint8Array): void {
    this.length(v.length);
    this.s.bytes(v);
  }

  raw(bytes: Uint8Array): void {
    this.s.bytes(bytes);
  }
  finish(): Buffer {
    return this.s.finish();
  }
}

/**
 * What the readers of both protocols share: the window of the buffer they read, the types the
 * last header set, and length-prefixed strings and bytes.
 */
export abstract class BufferReader {
  fieldId = 0;
  elemType = 0;
  keyType = 0;
  valueType = 0;

  constructor(
    protected readonly buf: Buffer,
    public pos = 0,
    protected readonly end = buf.length,
  ) {}

  /** The length prefix of a string or binary value, checked against the bytes left. */
  protected abstract length(): number;

  string(): string {
    const n = this.length();
    const v = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  binary(): Buffer {
    const n = this.length();
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}
