import type { JsonValue } from '../../src/json/json-value';
import { isObjectKey } from './codec/json-to-thrift';
import type { FieldDef, StructDef, ThriftType } from './idl/thrift-types';

/**
 * Sample JSON for `idl show`: every field set (a union gets its first member). A struct met
 * again inside itself is cut short to `{}` so recursive types stay finite.
 */
export function exampleOf(t: ThriftType, stack: StructDef[] = []): JsonValue {
  switch (t.kind) {
    case 'bool': return true;
    case 'byte':
    case 'i16':
    case 'i32': return 1;
    case 'i64': return '1';
    case 'double': return 1.5;
    case 'string': return 'text';
    case 'binary': return Buffer.from('bytes').toString('base64');
    case 'enum': return t.def.names[0] ?? 0;
    case 'list':
    case 'set': return [exampleOf(t.elem, stack)];
    case 'map': {
      const v = exampleOf(t.value, stack);
      if (!isObjectKey(t.key)) return [[exampleOf(t.key, stack), v]];
      const k = exampleOf(t.key, stack);
      return { [typeof k === 'string' ? k : String(k)]: v };
    }
    case 'struct': {
      if (stack.includes(t.def)) return {};
      const fields = t.def.kind === 'union' ? t.def.fields.slice(0, 1) : t.def.fields;
      return exampleFields(fields, [...stack, t.def]);
    }
  }
}

export function exampleFields(fields: readonly FieldDef[], stack: StructDef[] = []): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const f of fields) out[f.name] = exampleOf(f.type, stack);
  return out;
}
