import * as path from 'node:path';
import {
  Annotations,
  EnumDefinition,
  FieldDefinition,
  FunctionType,
  ServiceDefinition,
  SyntaxType,
  TextLocation,
  ThriftDocument,
  ThriftStatement,
  TypedefDefinition,
} from '@creditkarma/thrift-parser';
import { isCodeName } from '../../../src/errors/codes';
import type { EnumDef, FieldDef, MethodDef, ServiceDef, StructDef, ThriftType } from './thrift-types';
import { IdlError, IdlFiles } from '../../../src/idl/model';
import { parseThrift } from './thrift-parse';

type Named = Exclude<ThriftStatement, { type: SyntaxType.IncludeDefinition | SyntaxType.NamespaceDefinition | SyntaxType.CppIncludeDefinition }>;
type StructLikeStmt = Extract<ThriftStatement, { type: SyntaxType.StructDefinition | SyntaxType.UnionDefinition | SyntaxType.ExceptionDefinition }>;

interface Scope {
  readonly file: string;
  /** File name without `.thrift`: the prefix of its types and services. */
  readonly module: string;
  readonly doc: ThriftDocument;
  readonly includes: Map<string, Scope>;
  readonly defs: Map<string, Named>;
}

const BASE: Partial<Record<SyntaxType, ThriftType>> = {
  [SyntaxType.BoolKeyword]: { kind: 'bool' },
  [SyntaxType.ByteKeyword]: { kind: 'byte' },
  [SyntaxType.I8Keyword]: { kind: 'byte' },
  [SyntaxType.I16Keyword]: { kind: 'i16' },
  [SyntaxType.I32Keyword]: { kind: 'i32' },
  [SyntaxType.I64Keyword]: { kind: 'i64' },
  [SyntaxType.DoubleKeyword]: { kind: 'double' },
  [SyntaxType.StringKeyword]: { kind: 'string' },
  [SyntaxType.BinaryKeyword]: { kind: 'binary' },
};

export function moduleOf(file: string): string {
  return path.posix.basename(file).replace(/\.thrift$/, '');
}

/**
 * Resolves a bundle of .thrift files into the schema the codec compiles: includes, typedefs,
 * enums, structs, unions, exceptions and services (with `extends`). Throws IdlError.
 */
export class ThriftResolver {
  private readonly scopes = new Map<string, Scope>();
  private readonly typedefs = new Map<TypedefDefinition, ThriftType | 'resolving'>();
  private readonly enums = new Map<EnumDefinition, EnumDef>();
  private readonly structs = new Map<StructLikeStmt, StructDef>();
  private readonly services = new Map<ServiceDefinition, ServiceDef | 'resolving'>();

  constructor(private readonly files: IdlFiles) {}

  resolve(entries: readonly string[]): ServiceDef[] {
    for (const e of entries) {
      if (!Object.prototype.hasOwnProperty.call(this.files, e)) throw new IdlError(`no such file in the bundle`, e);
      this.load(e);
    }
    for (const scope of this.scopes.values()) {
      for (const def of scope.defs.values()) {
        if (def.type === SyntaxType.TypedefDefinition) this.typedef(scope, def);
        else if (def.type === SyntaxType.EnumDefinition) this.enumDef(scope, def);
        else if (def.type === SyntaxType.StructDefinition || def.type === SyntaxType.UnionDefinition || def.type === SyntaxType.ExceptionDefinition) {
          this.structDef(scope, def);
        }
      }
    }
    const out: ServiceDef[] = [];
    const names = new Set<string>();
    for (const scope of this.scopes.values()) {
      for (const def of scope.defs.values()) {
        if (def.type !== SyntaxType.ServiceDefinition) continue;
        const svc = this.service(scope, def);
        if (names.has(svc.name)) throw this.error(scope, def.name.loc, `service ${svc.name} is defined twice in the bundle`);
        names.add(svc.name);
        out.push(svc);
      }
    }
    return out;
  }

  private error(scope: Scope, loc: TextLocation | undefined, message: string): IdlError {
    return new IdlError(message, scope.file, loc?.start.line, loc?.start.column);
  }

  private load(file: string): Scope {
    const known = this.scopes.get(file);
    if (known) return known;
    const doc = parseThrift(file, this.files[file]);
    const scope: Scope = { file, module: moduleOf(file), doc, includes: new Map(), defs: new Map() };
    this.scopes.set(file, scope);
    for (const s of doc.body) {
      if (s.type === SyntaxType.IncludeDefinition) {
        const target = this.findInclude(file, s.path.value);
        if (target === undefined) throw this.error(scope, s.loc, `cannot find include "${s.path.value}"`);
        scope.includes.set(moduleOf(target), this.load(target));
      } else if (s.type !== SyntaxType.NamespaceDefinition && s.type !== SyntaxType.CppIncludeDefinition) {
        if (scope.defs.has(s.name.value)) throw this.error(scope, s.name.loc, `"${s.name.value}" is defined twice`);
        scope.defs.set(s.name.value, s);
      }
    }
    return scope;
  }

  /** Relative to the including file first, then as written. */
  private findInclude(from: string, inc: string): string | undefined {
    const has = (p: string) => Object.prototype.hasOwnProperty.call(this.files, p);
    const rel = path.posix.normalize(path.posix.join(path.posix.dirname(from), inc));
    if (has(rel)) return rel;
    const asGiven = path.posix.normalize(inc);
    if (has(asGiven)) return asGiven;
    if (has(inc)) return inc;
    return undefined;
  }

  /** A name as written in `scope`: local, or `<include module>.<Name>`. */
  private lookup(scope: Scope, name: string, loc: TextLocation, what: string): { scope: Scope; def: Named } {
    const local = scope.defs.get(name);
    if (local) return { scope, def: local };
    const dot = name.indexOf('.');
    if (dot > 0) {
      const inc = scope.includes.get(name.slice(0, dot));
      const def = inc?.defs.get(name.slice(dot + 1));
      if (inc && def) return { scope: inc, def };
    }
    throw this.error(scope, loc, `unknown ${what} "${name}"`);
  }

  private type(scope: Scope, t: FunctionType): ThriftType {
    const base = BASE[t.type];
    if (base) return base;
    switch (t.type) {
      case SyntaxType.ListType:
        return { kind: 'list', elem: this.type(scope, t.valueType) };
      case SyntaxType.SetType:
        return { kind: 'set', elem: this.type(scope, t.valueType) };
      case SyntaxType.MapType:
        return { kind: 'map', key: this.type(scope, t.keyType), value: this.type(scope, t.valueType) };
      case SyntaxType.Identifier: {
        const { scope: s, def } = this.lookup(scope, t.value, t.loc, 'type');
        switch (def.type) {
          case SyntaxType.TypedefDefinition: return this.typedef(s, def);
          case SyntaxType.EnumDefinition: return { kind: 'enum', def: this.enumDef(s, def) };
          case SyntaxType.StructDefinition:
          case SyntaxType.UnionDefinition:
          case SyntaxType.ExceptionDefinition:
            return { kind: 'struct', def: this.structDef(s, def) };
          default:
            throw this.error(scope, t.loc, `"${t.value}" is not a type`);
        }
      }
      case SyntaxType.VoidKeyword:
        throw this.error(scope, t.loc, 'void is only allowed as a return type');
      default:
        throw this.error(scope, t.loc, `unsupported type ${t.type}`);
    }
  }

  private typedef(scope: Scope, def: TypedefDefinition): ThriftType {
    const known = this.typedefs.get(def);
    if (known === 'resolving') throw this.error(scope, def.name.loc, `typedef ${def.name.value} refers to itself`);
    if (known) return known;
    this.typedefs.set(def, 'resolving');
    const t = this.type(scope, def.definitionType);
    this.typedefs.set(def, t);
    return t;
  }

  private enumDef(scope: Scope, def: EnumDefinition): EnumDef {
    const known = this.enums.get(def);
    if (known) return known;
    const byName = new Map<string, number>();
    const byValue = new Map<number, string>();
    let next = 0;
    for (const m of def.members) {
      const v = m.initializer ? Number(m.initializer.value.value) : next;
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw this.error(scope, m.loc, `enum value ${m.name.value} is not an i32`);
      if (byName.has(m.name.value)) throw this.error(scope, m.name.loc, `enum member ${m.name.value} is defined twice`);
      byName.set(m.name.value, v);
      if (!byValue.has(v)) byValue.set(v, m.name.value);
      next = v + 1;
    }
    const e: EnumDef = { name: `${scope.module}.${def.name.value}`, byName, byValue, names: [...byName.keys()] };
    this.enums.set(def, e);
    return e;
  }

  private structDef(scope: Scope, def: StructLikeStmt): StructDef {
    const known = this.structs.get(def);
    if (known) return known;
    const kind = def.type === SyntaxType.UnionDefinition ? 'union' : def.type === SyntaxType.ExceptionDefinition ? 'exception' : 'struct';
    const annotations = this.annotations(def.annotations);
    const code = annotations['transmesh.code'];
    if (code !== undefined && (!isCodeName(code) || code === 'OK')) {
      const at = def.annotations?.annotations.find((a) => a.name.value === 'transmesh.code');
      throw this.error(scope, at?.loc ?? def.loc, `transmesh.code "${code}" is not an error code name (NOT_FOUND, INVALID_ARGUMENT, ...)`);
    }
    const s: StructDef = { name: `${scope.module}.${def.name.value}`, kind, fields: [], annotations };
    // Registered before its fields resolve, so that a struct may contain itself.
    this.structs.set(def, s);
    s.fields = this.fields(scope, def.fields, `${kind} ${def.name.value}`);
    return s;
  }

  private annotations(a: Annotations | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const x of a?.annotations ?? []) out[x.name.value] = x.value?.value ?? '';
    return out;
  }

  /** Fields without an id get -1, -2, ... as the Thrift compiler assigns them. */
  private fields(scope: Scope, fields: readonly FieldDefinition[], owner: string): FieldDef[] {
    const ids = new Set<number>();
    const names = new Set<string>();
    let implicit = -1;
    return fields.map((f) => {
      const id = f.fieldID ? f.fieldID.value : implicit--;
      if (ids.has(id)) throw this.error(scope, f.loc, `field id ${id} is used twice in ${owner}`);
      if (names.has(f.name.value)) throw this.error(scope, f.name.loc, `field ${f.name.value} is defined twice in ${owner}`);
      ids.add(id);
      names.add(f.name.value);
      const annotations = f.annotations ? this.annotations(f.annotations) : undefined;
      return { id, name: f.name.value, type: this.type(scope, f.fieldType), requiredness: f.requiredness ?? 'default', ...(annotations && { annotations }) };
    });
  }

  private service(scope: Scope, def: ServiceDefinition): ServiceDef {
    const known = this.services.get(def);
    if (known === 'resolving') throw this.error(scope, def.name.loc, `service ${def.name.value} extends itself`);
    if (known) return known;
    this.services.set(def, 'resolving');
    const methods = new Map<string, MethodDef>();
    if (def.extends) {
      const { scope: s, def: base } = this.lookup(scope, def.extends.value, def.extends.loc, 'base service');
      if (base.type !== SyntaxType.ServiceDefinition) throw this.error(scope, def.extends.loc, `"${def.extends.value}" is not a service`);
      for (const m of this.service(s, base).methods) methods.set(m.name, m);
    }
    const own = new Set<string>();
    for (const fn of def.functions) {
      const name = fn.name.value;
      if (own.has(name)) throw this.error(scope, fn.name.loc, `method ${name} is defined twice in service ${def.name.value}`);
      own.add(name);
      const returns = fn.returnType.type === SyntaxType.VoidKeyword ? undefined : this.type(scope, fn.returnType);
      const throws = this.fields(scope, fn.throws, `throws of ${name}`);
      fn.throws.forEach((f, i) => {
        const t = throws[i].type;
        if (t.kind !== 'struct' || t.def.kind !== 'exception') throw this.error(scope, f.fieldType.loc, `${name} throws a type that is not an exception`);
      });
      if (fn.oneway && (returns !== undefined || throws.length > 0)) {
        throw this.error(scope, fn.name.loc, `oneway method ${name} must return void and throw nothing`);
      }
      const annotations = this.annotations(fn.annotations);
      const idempotent = annotations['transmesh.idempotent'] === 'true';
      methods.set(name, { name, oneway: fn.oneway, idempotent, args: this.fields(scope, fn.fields, `arguments of ${name}`), returns, throws, annotations, file: scope.file });
    }
    const svc: ServiceDef = { name: `${scope.module}.${def.name.value}`, methods: [...methods.values()] };
    this.services.set(def, svc);
    return svc;
  }
}
