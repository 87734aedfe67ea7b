import { SyntaxType, type FieldDefinition, type ThriftStatement } from '@creditkarma/thrift-parser';
import { inScope, type CompatScope, type IdlChange } from '../../../src/idl/compat';
import type { IdlFiles } from '../../../src/idl/model';
import { parseThrift } from '../idl/thrift-parse';
import { moduleOf } from '../idl/thrift-resolve';
import type { EnumDef, FieldDef, MethodDef, StructDef, ThriftType } from '../idl/thrift-types';

/**
 * Breaking changes between two versions of Thrift IDL, compared on the resolved definitions
 * (typedefs gone, includes followed): the ideas of buf's WIRE_JSON applied to Thrift. A field,
 * argument or declared exception keeps its id, type, name (the mesh speaks JSON by name) and
 * requiredness; a required one is never added; enum values keep their number and name;
 * functions stay, with their return type and oneway. `thrift --audit` flags the same wire
 * changes (docs/idl-compatibility.md lists where we differ).
 */

export interface ThriftVersion {
  readonly services: ReadonlyArray<{ readonly name: string; readonly methods: readonly MethodDef[] }>;
  readonly files: IdlFiles;
}

interface Where {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

type Add = (kind: IdlChange['kind'], element: string, name: string, what: string, where: Where, rule?: string) => void;

export function compareThrift(before: ThriftVersion, after: ThriftVersion, scope: CompatScope): IdlChange[] {
  const out: IdlChange[] = [];
  const add: Add = (kind, element, name, what, where, rule) => out.push({ kind, element, name, what, ...where, ...(rule ? { rule } : {}) });
  const at = new ThriftLocator(after.files);
  const was = reachable(before);
  const now = reachable(after);

  for (const [name, s1] of now.structs) {
    const s0 = was.structs.get(name);
    if (!s0) add('added', s1.kind, name, `${s1.kind} ${name} added`, at.declaration(name));
    else compareFields('FIELD', `${s1.kind} ${name}`, name, s0.fields, s1.fields, at.fieldsOf(name), add);
  }
  for (const [name, s0] of was.structs) if (!now.structs.has(name)) add('removed', s0.kind, name, `${s0.kind} ${name} removed`, at.declaration(name));
  for (const [name, e1] of now.enums) {
    const e0 = was.enums.get(name);
    if (!e0) add('added', 'enum', name, `enum ${name} added`, at.declaration(name));
    else compareEnum(name, e0, e1, at, add);
  }
  for (const name of was.enums.keys()) if (!now.enums.has(name)) add('removed', 'enum', name, `enum ${name} removed`, at.declaration(name));

  const services0 = new Map(before.services.map((s) => [s.name, s]));
  for (const s1 of after.services) {
    if (!inScope(scope, s1.name)) continue;
    const s0 = services0.get(s1.name);
    if (!s0) {
      add('added', 'service', s1.name, `service ${s1.name} added`, at.declaration(s1.name));
      continue;
    }
    const methods0 = new Map(s0.methods.map((m) => [m.name, m]));
    const methods1 = new Map(s1.methods.map((m) => [m.name, m]));
    for (const m1 of s1.methods) {
      const m0 = methods0.get(m1.name);
      const where = at.function(s1.name, m1.name);
      if (!m0) add('added', 'function', `${s1.name}.${m1.name}`, `function ${m1.name} added to service ${s1.name}`, where);
      else compareFunction(s1.name, m0, m1, where, at, add);
    }
    for (const m0 of s0.methods) {
      if (!methods1.has(m0.name)) add('removed', 'function', `${s1.name}.${m0.name}`, `function ${m0.name} of service ${s1.name} removed`, at.declaration(s1.name), 'FUNCTION_NO_DELETE');
    }
  }
  for (const s0 of before.services) {
    if (inScope(scope, s0.name) && !after.services.some((s) => s.name === s0.name)) {
      add('removed', 'service', s0.name, `service ${s0.name} removed`, at.declaration(s0.name), 'SERVICE_NO_DELETE');
    }
  }
  return out;
}

function compareFunction(service: string, m0: MethodDef, m1: MethodDef, where: Where, at: ThriftLocator, add: Add): void {
  const name = `${service}.${m1.name}`;
  const desc = `function ${m1.name} of service ${service}`;
  if (m0.oneway !== m1.oneway) add('changed', 'function', name, `${desc} ${m1.oneway ? 'became' : 'is no longer'} oneway`, where, 'FUNCTION_SAME_ONEWAY');
  const r0 = typeText(m0.returns);
  const r1 = typeText(m1.returns);
  if (r0 !== r1) add('changed', 'function', name, `${desc} changed return type from ${r0} to ${r1}`, where, 'FUNCTION_SAME_RETURN_TYPE');
  compareFields('ARGUMENT', desc, name, m0.args, m1.args, at.argsOf(service, m1.name, 'fields'), add);
  compareFields('EXCEPTION', `the exceptions of ${desc}`, name, m0.throws, m1.throws, at.argsOf(service, m1.name, 'throws'), add);
}

/** Fields of a struct, arguments of a function or its declared exceptions, matched by id. */
function compareFields(prefix: string, owner: string, ownerName: string, f0s: readonly FieldDef[], f1s: readonly FieldDef[], at: FieldPositions, add: Add): void {
  const element = prefix === 'ARGUMENT' ? 'argument' : prefix === 'EXCEPTION' ? 'exception' : 'field';
  const byId0 = new Map(f0s.map((f) => [f.id, f]));
  const byId1 = new Map(f1s.map((f) => [f.id, f]));
  for (const f1 of f1s) {
    const f0 = byId0.get(f1.id);
    const qualified = `${ownerName}.${f1.name}`;
    const where = at.field(f1.id);
    if (!f0) {
      add('added', element, qualified, `${element} ${f1.id}: ${f1.name} added to ${owner}`, where);
      if (f1.requiredness === 'required') add('added', element, qualified, `required ${element} ${f1.id}: ${f1.name} added to ${owner}`, where, `${prefix}_REQUIRED_ADDED`);
      continue;
    }
    const desc = `${element} ${f1.id}: ${f1.name} of ${owner}`;
    if (f0.name !== f1.name) add('changed', element, qualified, `${element} ${f1.id} of ${owner} changed name from "${f0.name}" to "${f1.name}"`, where, `${prefix}_SAME_NAME`);
    const t0 = typeText(f0.type);
    const t1 = typeText(f1.type);
    if (t0 !== t1) add('changed', element, qualified, `${desc} changed type from ${t0} to ${t1}`, where, `${prefix}_SAME_TYPE`);
    if ((f0.requiredness === 'required') !== (f1.requiredness === 'required')) {
      add('changed', element, qualified, `${desc} changed from ${f0.requiredness} to ${f1.requiredness}`, where, `${prefix}_SAME_REQUIREDNESS`);
    } else if (f0.requiredness !== f1.requiredness) {
      add('changed', element, qualified, `${desc} changed from ${f0.requiredness} to ${f1.requiredness} (not breaking)`, where);
    }
  }
  for (const f0 of f0s) {
    if (byId1.has(f0.id)) continue;
    add('removed', element, `${ownerName}.${f0.name}`, `${element} ${f0.id}: ${f0.name} of ${owner} removed`, at.owner, `${prefix}_NO_DELETE`);
  }
}

function compareEnum(name: string, e0: EnumDef, e1: EnumDef, at: ThriftLocator, add: Add): void {
  for (const [value, n1] of e1.byValue) {
    const n0 = e0.byValue.get(value);
    if (n0 === undefined) add('added', 'enum value', `${name}.${n1}`, `value ${n1} = ${value} added to enum ${name}`, at.enumMember(name, n1));
    else if (n0 !== n1) add('changed', 'enum value', `${name}.${n1}`, `value ${value} of enum ${name} changed name from ${n0} to ${n1}`, at.enumMember(name, n1), 'ENUM_VALUE_SAME_NAME');
  }
  for (const [value, n0] of e0.byValue) {
    if (!e1.byValue.has(value)) add('removed', 'enum value', `${name}.${n0}`, `value ${n0} = ${value} of enum ${name} removed`, at.declaration(name), 'ENUM_VALUE_NO_DELETE');
  }
}

function typeText(t: ThriftType | undefined): string {
  if (!t) return 'void';
  switch (t.kind) {
    case 'enum':
    case 'struct':
      return t.def.name;
    case 'list':
    case 'set':
      return `${t.kind}<${typeText(t.elem)}>`;
    case 'map':
      return `map<${typeText(t.key)},${typeText(t.value)}>`;
    default:
      return t.kind;
  }
}

/** Every struct, union, exception and enum the services reach, by `<module>.<Name>`. */
function reachable(v: ThriftVersion): { structs: Map<string, StructDef>; enums: Map<string, EnumDef> } {
  const structs = new Map<string, StructDef>();
  const enums = new Map<string, EnumDef>();
  const visit = (t: ThriftType | undefined): void => {
    if (!t) return;
    if (t.kind === 'enum') enums.set(t.def.name, t.def);
    else if (t.kind === 'list' || t.kind === 'set') visit(t.elem);
    else if (t.kind === 'map') {
      visit(t.key);
      visit(t.value);
    } else if (t.kind === 'struct' && !structs.has(t.def.name)) {
      structs.set(t.def.name, t.def);
      t.def.fields.forEach((f) => visit(f.type));
    }
  };
  for (const s of v.services) {
    for (const m of s.methods) {
      m.args.forEach((f) => visit(f.type));
      m.throws.forEach((f) => visit(f.type));
      visit(m.returns);
    }
  }
  return { structs, enums };
}

interface FieldPositions {
  readonly owner: Where;
  field(id: number): Where;
}

/** Positions in the newer version's .thrift files, from the parser's locations. */
class ThriftLocator {
  private readonly docs = new Map<string, { file: string; body: readonly ThriftStatement[] }>();

  constructor(files: IdlFiles) {
    for (const [file, text] of Object.entries(files)) {
      if (!file.endsWith('.thrift')) continue;
      try {
        this.docs.set(moduleOf(file), { file, body: parseThrift(file, text).body });
      } catch {
        // Already compiled, so it parses; a file that does not is simply not located.
      }
    }
  }

  declaration(qualified: string): Where {
    const { file, stmt } = this.find(qualified);
    return stmt ? { file, line: stmt.loc.start.line, col: stmt.loc.start.column } : { file, line: 1, col: 1 };
  }

  fieldsOf(qualified: string): FieldPositions {
    const { stmt } = this.find(qualified);
    const fields = stmt && 'fields' in stmt ? (stmt.fields as FieldDefinition[]) : [];
    return this.positions(this.declaration(qualified), fields);
  }

  argsOf(service: string, fn: string, which: 'fields' | 'throws'): FieldPositions {
    const { stmt } = this.find(service);
    const f = stmt?.type === SyntaxType.ServiceDefinition ? stmt.functions.find((x) => x.name.value === fn) : undefined;
    return this.positions(this.function(service, fn), f ? f[which] : []);
  }

  function(service: string, fn: string): Where {
    const { file, stmt } = this.find(service);
    const f = stmt?.type === SyntaxType.ServiceDefinition ? stmt.functions.find((x) => x.name.value === fn) : undefined;
    return f ? { file, line: f.name.loc.start.line, col: f.name.loc.start.column } : this.declaration(service);
  }

  enumMember(qualified: string, member: string): Where {
    const { file, stmt } = this.find(qualified);
    const m = stmt?.type === SyntaxType.EnumDefinition ? stmt.members.find((x) => x.name.value === member) : undefined;
    return m ? { file, line: m.loc.start.line, col: m.loc.start.column } : this.declaration(qualified);
  }

  private positions(owner: Where, fields: readonly FieldDefinition[]): FieldPositions {
    return {
      owner,
      field: (id) => {
        const f = fields.find((x) => x.fieldID?.value === id);
        return f ? { file: owner.file, line: f.loc.start.line, col: f.loc.start.column } : owner;
      },
    };
  }

  private find(qualified: string): { file: string; stmt: ThriftStatement | undefined } {
    const dot = qualified.lastIndexOf('.');
    const doc = this.docs.get(qualified.slice(0, dot));
    const name = qualified.slice(dot + 1);
    const stmt = doc?.body.find((s) => 'name' in s && s.name.value === name);
    return { file: doc?.file ?? '', stmt };
  }
}
