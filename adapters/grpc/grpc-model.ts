import type { JsonValue } from '../../src/json/json-value';
import type { MethodModel, ToJsonOptions } from '../../src/idl/model';

/** JSON <-> protobuf bytes for one message type, compiled once per type. */
export interface MessageCodec {
  readonly typeName: string;
  /** Validates a parsed JSON value strictly and encodes it; throws MeshError INVALID_ARGUMENT naming the JSON path. */
  encode(value: JsonValue): Uint8Array;
  /** Decodes protobuf bytes and writes canonical proto3 JSON text. Throws MeshError INTERNAL on bytes that do not decode. */
  toJson(bytes: Uint8Array, opts: ToJsonOptions): string;
}

/** A method of a `.proto` service, with the codecs of its request and response types. */
export interface GrpcMethod extends MethodModel {
  readonly request: MessageCodec;
  readonly response: MessageCodec;
}

/** A provider speaking gRPC answers with gRPC's content type on the peer hop too. */
export const grpcContentType = 'application/grpc';
