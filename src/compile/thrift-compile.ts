import { ThriftCodecCompiler } from '../codec/thrift/thrift-method';
import type { CompiledBundle, IdlFiles, MethodModel, ServiceModel } from '../idl/model';
import { ThriftResolver } from '../idl/thrift-resolve';

export { thriftIncludesOf } from '../idl/thrift-parse';

/**
 * Compiles a bundle of .thrift files (path -> content) into services whose converters are
 * built once, here. `entries` are the files to start from (default: every file); the services
 * of every file they reach are served as `<module>.<Service>`. Throws IdlError.
 */
export function compileThrift(files: IdlFiles, entries?: string[]): CompiledBundle {
  const roots = entries ?? Object.keys(files).filter((f) => f.endsWith('.thrift'));
  const defs = new ThriftResolver(files).resolve(roots);
  const codecs = new ThriftCodecCompiler();
  const services: ServiceModel[] = defs.map((svc) => {
    const methods = new Map<string, MethodModel>();
    for (const m of svc.methods) methods.set(m.name, codecs.method(m));
    return { name: svc.name, protocol: 'thrift', methods };
  });
  return { services };
}
