import { decodeFileDescriptor, descriptorToProto, type FileDescriptor } from './idl/proto-descriptor-text';
import { ReflectionClient } from './reflection-client';
import type { IdlSources } from '../../src/idl/model';
import { isShippedProto as builtinImport } from './idl/proto-builtins';

/** A problem the user can fix (a wrong address, a server without reflection): one line, no stack. */
export class ReflectError extends Error {
  override readonly name = 'ReflectError';
}

/** Reflection's own services and health checks are the server's plumbing, not its API. */
const PLUMBING = /^grpc\.(reflection|health)\./;

/**
 * `idl push --reflect HOST:PORT [--service NAME]...`: the .proto files of a running gRPC
 * server, read through its reflection service, with every file they import (the bundled
 * google/protobuf, google/rpc and google/api protos excepted, as for files on disk). The
 * entries are the files that define the services asked for (default: every service listed).
 */
export async function reflectIdl(target: string, services: readonly string[]): Promise<IdlSources> {
  if (!/^[^\s/]+:\d+$/.test(target)) throw new ReflectError(`--reflect ${target}: expected HOST:PORT`);
  const client = await ReflectionClient.connect(target);
  try {
    const wanted = services.length ? services : (await client.services()).filter((s) => !PLUMBING.test(s));
    if (!wanted.length) throw new ReflectError(`${target} lists no service through reflection`);
    const got = new Map<string, FileDescriptor>();
    const add = (protos: Uint8Array[]) => {
      for (const bytes of protos) {
        const d = decodeFileDescriptor(bytes);
        if (!got.has(d.name)) got.set(d.name, d);
      }
    };
    const entries: string[] = [];
    for (const service of wanted) {
      const protos = await client.fileContaining(service);
      if (!protos.length) throw new ReflectError(`${target} has no file defining ${service}`);
      // The first file is the one defining the symbol; the rest are (some of) its dependencies.
      const first = decodeFileDescriptor(protos[0]!);
      add(protos);
      if (!entries.includes(first.name)) entries.push(first.name);
    }
    // Servers differ in how many dependencies they send along: ask for the ones still missing.
    for (let missing = missingDeps(got); missing.length; missing = missingDeps(got)) {
      for (const name of missing) add(await client.fileByName(name));
      for (const name of missing) if (!got.has(name)) throw new ReflectError(`${target} does not serve ${name}, which its services import`);
    }
    const files: Record<string, string> = {};
    for (const [name, d] of got) if (!builtinImport(name)) files[name] = descriptorToProto(d);
    return { files, entries };
  } finally {
    client.close();
  }
}

function missingDeps(got: ReadonlyMap<string, FileDescriptor>): string[] {
  const out = new Set<string>();
  for (const d of got.values()) for (const dep of d.dependency ?? []) if (!got.has(dep) && !builtinImport(dep)) out.add(dep);
  return [...out];
}
