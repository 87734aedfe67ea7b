import type { ReflectionFiles } from '../../idl/model';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { IdlSnapshot } from '../../snapshot/snapshots';
import type { LocalStreamMethod } from './grpc-listener';
import { lenField, readFields, varintField } from './grpc-wire';

/** What one IDL snapshot offers reflection: its gRPC services, and each file with the others it needs. */
interface ReflectionIndex {
  readonly services: readonly string[];
  /** File name or fully qualified symbol → the files to answer with, the one asked for first. */
  readonly byFile: ReadonlyMap<string, readonly Uint8Array[]>;
  readonly bySymbol: ReadonlyMap<string, readonly Uint8Array[]>;
}

const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

/**
 * gRPC server reflection (`grpc.reflection.v1` and `v1alpha`, the same messages) answered from the
 * IDL snapshot, so grpcurl, Postman and Kreya list, describe and call the registry's `.proto`
 * services with no `.proto` at hand: list_services, file_by_filename and file_containing_symbol,
 * each answered with the file and every file it needs. The index is built once per IDL snapshot,
 * on the first request after a swap. Extensions are not served (UNIMPLEMENTED in the answer).
 */
export class GrpcReflection {
  private index: { snapshot: IdlSnapshot; index: ReflectionIndex } | undefined;

  constructor(private readonly idl: SnapshotCell<IdlSnapshot>) {}

  methods(): ReadonlyMap<string, LocalStreamMethod> {
    const method: LocalStreamMethod = { streaming: true, open: (out) => (request) => out.send(this.answer(request)) };
    return new Map([
      ['/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', method],
      ['/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo', method],
    ]);
  }

  /** ServerReflectionRequest → ServerReflectionResponse (original_request echoed, as the protocol asks). */
  answer(request: Buffer): Buffer {
    let host = '';
    let body: Buffer | undefined;
    readFields(request, (field, value) => {
      if (!Buffer.isBuffer(value)) return;
      if (field === 1) host = value.toString('utf8');
      else if (field === 3) body = this.files('file', this.current().byFile.get(value.toString('utf8')), value.toString('utf8'));
      else if (field === 4) body = this.files('symbol', this.current().bySymbol.get(value.toString('utf8')), value.toString('utf8'));
      else if (field === 7) body = lenField(6, Buffer.concat(this.current().services.map((name) => lenField(1, lenField(1, name)))));
      else if (field === 5 || field === 6) body = errorResponse(UNIMPLEMENTED, 'extensions are not served by this sidecar');
    }, 'grpc.reflection.v1.ServerReflectionRequest');
    return Buffer.concat([lenField(1, host), lenField(2, request), body ?? errorResponse(UNIMPLEMENTED, 'unknown reflection request')]);
  }

  private files(kind: string, files: readonly Uint8Array[] | undefined, name: string): Buffer {
    if (!files) return errorResponse(NOT_FOUND, `${kind} "${name}" is in no .proto service of the registry`);
    return lenField(4, Buffer.concat(files.map((f) => lenField(1, f))));
  }

  private current(): ReflectionIndex {
    const snapshot = this.idl.current;
    if (this.index?.snapshot !== snapshot) this.index = { snapshot, index: buildIndex(snapshot) };
    return this.index.index;
  }
}

function errorResponse(code: number, message: string): Buffer {
  return lenField(7, Buffer.concat([varintField(1, code), lenField(2, message)]));
}

function buildIndex(snapshot: IdlSnapshot): ReflectionIndex {
  const services: string[] = [];
  const byFile = new Map<string, Uint8Array[]>();
  const bySymbol = new Map<string, Uint8Array[]>();
  for (const [name, entry] of snapshot.services) {
    const files: ReflectionFiles | undefined = entry.model.reflection?.();
    if (!files) continue;
    services.push(name);
    for (const [file, f] of files.files) {
      if (byFile.has(file)) continue;
      const answer = [f.bytes, ...[...files.files].filter(([other]) => other !== file).map(([, o]) => o.bytes)];
      byFile.set(file, answer);
      for (const symbol of f.symbols) bySymbol.set(symbol, answer);
    }
  }
  return { services: services.sort(), byFile, bySymbol };
}
