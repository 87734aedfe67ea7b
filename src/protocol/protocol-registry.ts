import type { IdlCompiler, ProtocolAdapter, ProviderFactory } from './protocol-adapter';
import type { CallerProtocol } from './native-callers';

/**
 * The registered protocol adapters. The composition root registers them once at start
 * (src/node/protocols.ts); the rest of the core looks them up only when a bundle is compiled,
 * a file is collected or a provider is built, never per call.
 */
const adapters = new Map<string, ProtocolAdapter>();
const byExtension = new Map<string, IdlCompiler>();
const byScheme = new Map<string, ProviderFactory>();

/** Registers an adapter; registering the same one again is a no-op, another with a taken name, extension or scheme throws. */
export function registerProtocol(adapter: ProtocolAdapter): void {
  const known = adapters.get(adapter.name);
  if (known === adapter) return;
  if (known) throw new Error(`a protocol named ${adapter.name} is already registered`);
  for (const ext of adapter.idl?.extensions ?? []) {
    if (byExtension.has(ext)) throw new Error(`${adapter.name}: IDL files ${ext} already belong to another protocol`);
  }
  for (const scheme of adapter.providers?.schemes ?? []) {
    if (byScheme.has(scheme)) throw new Error(`${adapter.name}: provider URLs ${scheme}:// already belong to another protocol`);
  }
  adapters.set(adapter.name, adapter);
  for (const ext of adapter.idl?.extensions ?? []) byExtension.set(ext, adapter.idl!);
  for (const scheme of adapter.providers?.schemes ?? []) byScheme.set(scheme, adapter.providers!);
}

/** The IDL compiler for a file, by its extension. */
export function idlCompilerFor(file: string): IdlCompiler | undefined {
  const dot = file.lastIndexOf('.');
  return dot < 0 ? undefined : byExtension.get(file.slice(dot));
}

/** Every registered IDL compiler, in registration order. */
export function idlCompilers(): IdlCompiler[] {
  return [...new Set(byExtension.values())];
}

/** The IDL extensions registered, for messages (`.proto, .thrift`). */
export function idlExtensions(): string[] {
  return [...byExtension.keys()];
}

/** The provider factory for a `--provide` URL, by its scheme. */
export function providerFactoryFor(url: string): ProviderFactory | undefined {
  const colon = url.indexOf('://');
  return colon <= 0 ? undefined : byScheme.get(url.slice(0, colon));
}

/** The protocols whose providers serve a service of any IDL (announced under their own name). */
export function anyIdlProtocols(): ReadonlySet<string> {
  return new Set([...adapters.values()].filter((a) => a.providers?.anyIdl).map((a) => a.name));
}

export function providerSchemes(): string[] {
  return [...byScheme.keys()];
}

/** The native callers' reader of protocol `name`, when its adapter takes native callers. */
export function callerProtocolFor(name: string): CallerProtocol | undefined {
  return adapters.get(name)?.callers;
}
