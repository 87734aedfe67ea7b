import type { ThriftProtocolName } from '../thrift-model';
import type { TReader, TWriter } from '../codec/protocol';
import { newReader, newWriter } from '../codec/protocols';
import { T, ThriftProtocolError } from '../codec/wire-types';

const maxDepth = 64;

/**
 * One struct's bytes from one protocol into the other, with no IDL: each value is read by its
 * wire type and written again. A native caller speaking compact reaches a binary provider (and
 * back) this way; between equal protocols the bytes are returned as they are.
 */
export function transcodeStruct(bytes: Buffer, from: ThriftProtocolName, to: ThriftProtocolName): Buffer {
  if (from === to) return bytes;
  const r = newReader(from, bytes);
  const w = newWriter(to);
  copyValue(r, w, T.STRUCT, 0);
  if (r.pos !== bytes.length) throw new ThriftProtocolError(`${bytes.length - r.pos} bytes after the struct`);
  return w.finish();
}

function copyValue(r: TReader, w: TWriter, type: number, depth: number): void {
  if (depth > maxDepth) throw new ThriftProtocolError('nesting too deep');
  switch (type) {
    case T.BOOL:
      return w.bool(r.bool());
    case T.BYTE:
      return w.byte(r.byte());
    case T.I16:
      return w.i16(r.i16());
    case T.I32:
      return w.i32(r.i32());
    case T.I64:
      return w.i64(r.i64());
    case T.DOUBLE:
      return w.double(r.double());
    // Strings are copied as bytes: what is not UTF-8 stays as the caller sent it.
    case T.STRING:
      return w.binary(r.binary());
    case T.STRUCT: {
      r.structBegin();
      w.structBegin();
      for (;;) {
        const t = r.fieldBegin();
        if (t === T.STOP) break;
        w.fieldBegin(t, r.fieldId);
        copyValue(r, w, t, depth + 1);
      }
      r.structEnd();
      return w.structEnd();
    }
    case T.MAP: {
      const n = r.mapBegin();
      const k = r.keyType;
      const v = r.valueType;
      w.mapBegin(k, v, n);
      for (let i = 0; i < n; i++) {
        copyValue(r, w, k, depth + 1);
        copyValue(r, w, v, depth + 1);
      }
      return;
    }
    case T.LIST:
    case T.SET: {
      const n = r.listBegin();
      const e = r.elemType;
      w.listBegin(e, n);
      for (let i = 0; i < n; i++) copyValue(r, w, e, depth + 1);
      return;
    }
    default:
      throw new ThriftProtocolError(`unknown wire type ${type}`);
  }
}
