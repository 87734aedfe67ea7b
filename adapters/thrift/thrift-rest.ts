import type { RestField, RestFieldKind, RestMessage, RestMethod, RestRoute } from '../../src/idl/rest-model';
import type { FieldDef, MethodDef, StructDef, ThriftType } from './idl/thrift-types';

/** Kitex/Hertz route annotations on a function, in the order routes are listed. */
const VERBS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * The REST routes of a Thrift function annotated as CloudWeGo's Kitex and Hertz do
 * (`(api.get = "/v1/orders/:id")`), or undefined when it has none. The request JSON of a Thrift
 * call is its arguments by name; a function of one struct argument (Kitex's `Resp M(1: Req req)`)
 * binds the route to that struct's fields: `:id` is the field annotated `api.path = "id"` (else
 * the field `id`), `api.query` and `api.header` rename query parameters and bind headers, and the
 * body is the struct. Otherwise `:id` names an argument and the body is the argument object.
 */
export function thriftRest(def: MethodDef, service: string): RestMethod | undefined {
  const ann = def.annotations ?? {};
  if (!VERBS.some((v) => ann[`api.${v}`] !== undefined)) return undefined;
  const declaredAt = `${def.file ?? 'the bundle'}: ${service}.${def.name}`;
  const only = def.args.length === 1 ? def.args[0]! : undefined;
  const root = only?.type.kind === 'struct' ? only : undefined;
  const fields = root && root.type.kind === 'struct' ? root.type.def.fields : def.args;
  const prefix = root ? `${root.name}.` : '';
  const param = (p: string) => prefix + (fields.find((f) => f.annotations?.['api.path'] === p)?.name ?? p);
  const queryNames = new Map<string, string>();
  const headers: Array<readonly [string, string]> = [];
  for (const f of fields) {
    const q = f.annotations?.['api.query'];
    if (q) queryNames.set(q, prefix + f.name);
    const h = f.annotations?.['api.header'];
    if (h) headers.push([h.toLowerCase(), prefix + f.name]);
  }
  const routes: RestRoute[] = [];
  for (const v of VERBS) {
    const path = ann[`api.${v}`];
    if (path === undefined) continue;
    const withBody = v !== 'get' && v !== 'delete';
    routes.push({
      httpMethod: v.toUpperCase(),
      template: hertzToTemplate(path, param),
      body: withBody ? (root ? root.name : '*') : undefined,
      responseBody: undefined,
      declaredAt,
      ...(root && { queryRoot: root.name }),
      queryNames,
      headers,
    });
  }
  return { routes, request: argsMessage(def.args), response: undefined };
}

/** A Hertz route (`/v1/orders/:id`, `/files/*path`) in the template grammar, each parameter through `field`. */
export function hertzToTemplate(route: string, field: (param: string) => string): string {
  return route
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':') && seg.length > 1) return `{${field(seg.slice(1))}}`;
      if (seg.startsWith('*') && seg.length > 1) return `{${field(seg.slice(1))}=**}`;
      return seg;
    })
    .join('/');
}

const structs = new WeakMap<StructDef, RestMessage>();

function argsMessage(args: readonly FieldDef[]): RestMessage {
  let byName: Map<string, RestField> | undefined;
  return {
    field(name) {
      byName ??= new Map(args.map((f) => [f.name, fieldOf(f.name, f.type)]));
      return byName.get(name);
    },
  };
}

function structMessage(def: StructDef): RestMessage {
  let msg = structs.get(def);
  if (!msg) structs.set(def, (msg = argsMessage(def.fields)));
  return msg;
}

function fieldOf(name: string, type: ThriftType): RestField {
  const repeated = type.kind === 'list' || type.kind === 'set';
  const t = type.kind === 'list' || type.kind === 'set' ? type.elem : type;
  return {
    name,
    jsonName: name,
    kind: KINDS[t.kind],
    repeated,
    get message() {
      return t.kind === 'struct' ? structMessage(t.def) : undefined;
    },
  };
}

const KINDS: Readonly<Record<ThriftType['kind'], RestFieldKind>> = {
  bool: 'bool', byte: 'int', i16: 'int', i32: 'int', i64: 'int64', double: 'float', string: 'string', binary: 'bytes',
  enum: 'enum', list: 'message', set: 'message', map: 'map', struct: 'message',
};
