import * as protobuf from 'protobufjs';
import { builtinRoot } from './any-types';
import { messageOut } from './proto-to-json';
import { base64Of } from './scalars-out';
import { anyJson } from './wkt-out';
import { nameById } from './wkt-in';

/**
 * The `details` of a gRPC `grpc-status-details-bin` trailer (a google.rpc.Status) as JSON
 * objects for the error body. Types are looked up in the service's root, then among the bundled
 * protos (google.rpc error details); unknown ones keep their bytes as base64. Never throws.
 */
export function statusDetailsToJson(bin: Buffer | string, root: protobuf.Root): unknown[] {
  try {
    const bytes = typeof bin === 'string' ? Buffer.from(bin, 'base64') : bin;
    const status = builtinRoot().lookupType('google.rpc.Status');
    const anyT = status.fieldsById[3]!.resolve().resolvedType as protobuf.Type;
    const urlName = nameById(anyT, 1);
    const valueName = nameById(anyT, 2);
    const decoded = status.decode(bytes) as unknown as Record<string, Record<string, unknown>[]>;
    const details = decoded[status.fieldsById[3]!.name] ?? [];
    return details.map((d) => {
      const url = d[urlName] as string | undefined;
      const value = d[valueName] as Uint8Array | undefined;
      try {
        return JSON.parse(anyJson(url, value, root, messageOut, false)) as unknown;
      } catch {
        return { '@type': url ?? '', value: base64Of(value) };
      }
    });
  } catch {
    return [];
  }
}
