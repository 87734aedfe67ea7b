import type { CompatScope, IdlChange } from '../../../src/idl/compat';
import type { IdlSources } from '../../../src/idl/model';
import { compileThrift } from '../thrift-compile';
import type { ThriftMethod } from '../thrift-model';
import { compareThrift, type ThriftVersion } from './thrift-compat';

/** Two versions of a bundle's .thrift files compared by the rules of thrift-compat.ts, on their resolved definitions. */
export function compareThriftSources(before: IdlSources, after: IdlSources, scope: CompatScope): IdlChange[] {
  if (!before.entries.length || !after.entries.length) return [];
  return compareThrift(version(before), version(after), scope);
}

function version(v: IdlSources): ThriftVersion {
  const services = compileThrift(v.files, v.entries).services.map((s) => ({ name: s.name, methods: [...s.methods.values()].map((m) => (m as ThriftMethod).def) }));
  return { services, files: v.files };
}
