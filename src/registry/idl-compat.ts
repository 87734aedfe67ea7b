import type { CompatScope, IdlChange } from '../idl/compat';
import type { IdlSources } from '../idl/model';
import type { IdlCompiler } from '../protocol/protocol-adapter';
import { idlCompilerFor, idlCompilers } from '../protocol/protocol-registry';

/**
 * Every change between two versions of a bundle, each protocol's files compared by its adapter's
 * rules (buf's WIRE_JSON for .proto, the same ideas for .thrift); breaking ones carry their rule.
 */
export function compareBundles(before: IdlSources, after: IdlSources, scope: CompatScope): IdlChange[] {
  const out: IdlChange[] = [];
  for (const compiler of idlCompilers()) {
    if (!compiler.compare) continue;
    const b = own(compiler, before);
    const a = own(compiler, after);
    if (!b.entries.length && !a.entries.length) continue;
    out.push(...compiler.compare(b, a, scope));
  }
  return out;
}

function own(compiler: IdlCompiler, v: IdlSources): IdlSources {
  const mine = (path: string) => idlCompilerFor(path) === compiler;
  return { files: Object.fromEntries(Object.entries(v.files).filter(([k]) => mine(k))), entries: v.entries.filter(mine) };
}
