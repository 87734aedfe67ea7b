import type { CompatScope, IdlChange } from '../idl/compat';
import type { CompiledBundle, IdlFiles, IdlSources } from '../idl/model';
import type { Provider, ProviderOptions } from './provider';
import type { CallerProtocol } from './native-callers';

/**
 * One wire protocol, as the core knows it (Envoy's extensions, grpc-js's registered resolvers):
 * each lives in its own folder under `adapters/` and is registered by the composition root.
 * Nothing in `src/` names a protocol; it asks the registry (src/protocol/protocol-registry.ts),
 * and compiled models carry what their adapter built, so a call does no look-up.
 */
export interface ProtocolAdapter {
  /** `grpc`, `thrift`: shown by `idl ls`, announced in discovery, matched against a service's protocol. */
  readonly name: string;
  /** The IDL it compiles, if any: file extensions with the dot (`.proto`). */
  readonly idl?: IdlCompiler;
  /** The `--provide SVC=URL` schemes it serves (`grpc`), if any. */
  readonly providers?: ProviderFactory;
  /** Native callers on listeners of their own (`--thrift-listen`), if the protocol takes them. */
  readonly callers?: CallerProtocol;
}

export interface IdlCompiler {
  readonly extensions: readonly string[];
  /**
   * Compiles this adapter's files of a pushed bundle (path -> content, only its extensions)
   * into service models with converters built once; throws IdlError naming `file:line:col`.
   * `entries` are the files pushed; the rest are what they import.
   */
  compile(files: IdlFiles, entries: readonly string[]): CompiledBundle;
  /**
   * The files one file of the bundle (keyed `key`) imports, for `idl push` to collect: each
   * `ref` as written (looked for beside the file and under `-I`) and the `key` it will have in
   * the bundle. Imports that ship with the mesh are left out.
   */
  importsOf(key: string, content: string): readonly { ref: string; key: string }[];
  /**
   * Every change between two versions of this adapter's files, for the services in `scope`;
   * breaking ones carry their rule (docs/idl-compatibility.md). The control plane refuses a push
   * with breaking changes unless it is forced. Without it, nothing is compared.
   */
  compare?(before: IdlSources, after: IdlSources, scope: CompatScope): IdlChange[];
  /** The IDL of a running server, read the way the protocol offers (gRPC reflection), for `idl push --reflect`. */
  fromServer?(target: string, services: readonly string[]): Promise<IdlSources>;
}

export interface ProviderFactory {
  readonly schemes: readonly string[];
  /**
   * Its providers take the calls of a service whatever IDL the service has (an HTTP/JSON
   * provider converts with the IDL); others take only services of their own protocol.
   */
  readonly anyIdl?: boolean;
  /** Why `url` cannot be served (a message for a flag error), or undefined when it can. */
  check(url: string): string | undefined;
  create(service: string, url: string, options: ProviderOptions): Provider;
}

/** A provider URL check from a parser that throws Error with a one-line reason. */
export function checkedBy(parse: (url: string) => unknown): (url: string) => string | undefined {
  return (url) => {
    try {
      parse(url);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
}
