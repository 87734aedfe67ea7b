import { ThriftCodecCompiler } from './codec/thrift-method';
import type { CompiledBundle, IdlFiles, MethodModel, ServiceModel } from '../../src/idl/model';
import { ThriftResolver } from './idl/thrift-resolve';
import type { ThriftMethod } from './thrift-model';
import { exampleFields, exampleOf } from './thrift-example';
import { thriftRest } from './thrift-rest';

export { thriftIncludesOf } from './idl/thrift-parse';

/**
 * Compiles a bundle of .thrift files (path -> content) into services whose converters are
 * built once, here. `entries` are the files to start from (default: every file); the services
 * of every file they reach are served as `<module>.<Service>`. Throws IdlError.
 */
export function compileThrift(files: IdlFiles, entries?: readonly string[]): CompiledBundle {
  const roots = entries ?? Object.keys(files).filter((f) => f.endsWith('.thrift'));
  const defs = new ThriftResolver(files).resolve([...roots]);
  const codecs = new ThriftCodecCompiler();
  const services: ServiceModel[] = defs.map((svc) => {
    const methods = new Map<string, MethodModel>();
    for (const m of svc.methods) {
      const rest = thriftRest(m, svc.name);
      methods.set(m.name, rest ? { ...codecs.method(m, svc.name), rest } : codecs.method(m, svc.name));
    }
    const describe = () => ({ methods: [...methods.values()].map((m) => describeMethod(m as ThriftMethod)) });
    return { name: svc.name, protocol: 'thrift', rpcSystem: 'apache_thrift', methods, describe };
  });
  return { services };
}

/** What `idl show` prints of a function: JSON examples of its arguments and its return value. */
export function describeMethod(m: ThriftMethod) {
  return { name: m.name, path: m.path, oneway: m.oneway, idempotent: m.idempotent, request: exampleFields(m.def.args), response: m.def.returns ? exampleOf(m.def.returns) : {} };
}
