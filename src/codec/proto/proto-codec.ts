import * as protobuf from 'protobufjs';
import { MeshError } from '../../errors/mesh-error';
import type { MessageCodec, ToJsonOptions } from '../../idl/model';
import type { JsonValue } from '../../json/json-value';
import { toInvalidArgument } from './conv-error';
import { messageIn } from './json-to-proto';
import { exampleOf } from './proto-example';
import { messageOut } from './proto-to-json';

/**
 * The MessageCodec of a protobuf message type: canonical proto3 JSON in and out, through
 * protobufjs' reflection encoder and decoder. Compiled once per Type and cached.
 */

const codecs = new WeakMap<protobuf.Type, MessageCodec>();

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function protoCodec(type: protobuf.Type): MessageCodec {
  const cached = codecs.get(type);
  if (cached) return cached;
  const typeName = type.fullName.slice(1);
  const input = messageIn(type);
  const output = messageOut(type);
  const codec: MessageCodec = {
    typeName,
    encode(value: JsonValue): Uint8Array {
      let obj: unknown;
      try {
        obj = input.conv(value, 0);
      } catch (err) {
        throw toInvalidArgument(err);
      }
      try {
        return type.encode(obj as Record<string, unknown>).finish();
      } catch (err) {
        if (/max depth/.test(reason(err))) throw new MeshError('INVALID_ARGUMENT', 'message nesting exceeds the recursion limit');
        throw new MeshError('INTERNAL', `cannot encode ${typeName}: ${reason(err)}`);
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
        return output.write(message, opts.int64AsNumber);
      } catch (err) {
        throw new MeshError('INTERNAL', `cannot write ${typeName} as JSON: ${reason(err)}`);
      }
    },
    example: () => exampleOf(type),
  };
  codecs.set(type, codec);
  return codec;
}
