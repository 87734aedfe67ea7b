import { MeshError } from '../../errors/mesh-error';

/**
 * The little of protobuf's wire format the sidecar's own gRPC services (health, reflection) need,
 * so they carry no IDL: their messages are a few strings, bytes and enums.
 */

/** Calls `each` for every field: length-delimited ones with their bytes, varints with their value; others are skipped. */
export function readFields(message: Buffer, each: (field: number, value: Buffer | number) => void, what: string): void {
  let i = 0;
  const malformed = () => new MeshError('INVALID_ARGUMENT', `not a ${what}`);
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (i >= message.length) throw malformed();
      const b = message[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw malformed();
  };
  while (i < message.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) each(tag >>> 3, varint());
    else if (wire === 1 || wire === 5) i += wire === 1 ? 8 : 4;
    else if (wire === 2) {
      const len = varint();
      if (i + len > message.length) throw malformed();
      each(tag >>> 3, message.subarray(i, i + len));
      i += len;
    } else throw malformed();
  }
  if (i > message.length) throw malformed();
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A length-delimited field (string, bytes, message). */
export function lenField(field: number, value: Uint8Array | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([Buffer.from([...varintBytes((field << 3) | 2), ...varintBytes(bytes.length)]), bytes]);
}

/** A varint field (int32 ≥ 0, enum, bool). */
export function varintField(field: number, value: number): Buffer {
  return Buffer.from([...varintBytes(field << 3), ...varintBytes(value)]);
}
