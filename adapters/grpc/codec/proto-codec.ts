import * as protobuf from 'protobufjs';
import { MeshError } from '../../../src/errors/mesh-error';
import type { ToJsonOptions } from '../../../src/idl/model';
import type { MessageCodec } from '../grpc-model';
import type { JsonValue } from '../../../src/json/json-value';
import { toInvalidArgument } from '../../../src/codec/json-path';
import { messageWriter } from './json-to-proto';
import { messageOut } from './proto-to-json';
import type { MessageOut } from './message-types';
import { releaseWriter, takeWriter } from './wire-writer';

/**
 * The MessageCodec of a protobuf message type: canonical proto3 JSON in and out. JSON is
 * validated and written to wire bytes in one pass by a compiled writer (json-to-proto.ts);
 * bytes are read by protobufjs' reflection decoder. Compiled once per Type and cached.
 */

const codecs = new WeakMap<protobuf.Type, MessageCodec>();

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function protoCodec(type: protobuf.Type): MessageCodec {
  const cached = codecs.get(type);
  if (cached) return cached;
  const typeName = type.fullName.slice(1);
  const input = messageWriter(type);
  // One writer per JSON shape a caller asked for, compiled on first use.
  const outputs: MessageOut[] = [];
  const codec: MessageCodec = {
    typeName,
    encode(value: JsonValue): Uint8Array {
      const w = takeWriter();
      try {
        input.write(value, w, 0);
        return w.finish();
      } catch (err) {
        throw toInvalidArgument(err);
      } finally {
        releaseWriter(w);
      }
    },
    toJson(bytes: Uint8Array, opts: ToJsonOptions): string {
      let message: protobuf.Message;
      try {
        message = type.decode(bytes);
      } catch (err) {
        throw new MeshError('INTERNAL', `cannot decode ${typeName}: ${reason(err)}`);
      }
      try {
        const shape = opts.shape ?? 0;
        return (outputs[shape] ??= messageOut(type, shape)).write(message, opts.int64AsNumber);
      } catch (err) {
        throw new MeshError('INTERNAL', `cannot write ${typeName} as JSON: ${reason(err)}`);
      }
    },
  };
  codecs.set(type, codec);
  return codec;
}
