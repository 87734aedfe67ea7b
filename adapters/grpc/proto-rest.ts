import * as protobuf from 'protobufjs';
import { IdlError } from '../../src/idl/model';
import type { RestField, RestFieldKind, RestMessage, RestMethod, RestRoute } from '../../src/idl/rest-model';
import { jsonNameOf } from './codec/json-to-proto';

/** google.api.HttpRule as protobufjs parses the aggregate option. */
interface HttpRule {
  get?: string;
  put?: string;
  post?: string;
  delete?: string;
  patch?: string;
  custom?: { kind?: string; path?: string };
  body?: string;
  response_body?: string;
  additional_bindings?: HttpRule | HttpRule[];
}

const VERBS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** The `google.api.http` routes of a method, or undefined when it has none. Throws IdlError for a rule without a pattern. */
export function protoRest(m: protobuf.Method, service: string): RestMethod | undefined {
  const rule = httpRuleOf(m);
  if (!rule) return undefined;
  const declaredAt = `${m.filename ?? 'the bundle'}: rpc ${service}.${m.name}`;
  const bindings = rule.additional_bindings === undefined ? [] : Array.isArray(rule.additional_bindings) ? rule.additional_bindings : [rule.additional_bindings];
  const routes = [rule, ...bindings].map((r) => route(r, declaredAt));
  return { routes, request: messageOf(m.resolvedRequestType!), response: messageOf(m.resolvedResponseType!) };
}

function httpRuleOf(m: protobuf.Method): HttpRule | undefined {
  for (const o of (m.parsedOptions ?? []) as Array<Record<string, unknown>>) {
    const rule = o['(google.api.http)'];
    if (rule && typeof rule === 'object') return rule as HttpRule;
  }
  return undefined;
}

function route(r: HttpRule, declaredAt: string): RestRoute {
  const base = { body: r.body || undefined, responseBody: r.response_body || undefined, declaredAt };
  for (const v of VERBS) if (typeof r[v] === 'string') return { httpMethod: v.toUpperCase(), template: r[v], ...base };
  if (r.custom?.kind && r.custom.path) return { httpMethod: r.custom.kind.toUpperCase(), template: r.custom.path, ...base };
  throw new IdlError(`google.api.http: a rule names no pattern (get, put, post, delete, patch or custom)`, declaredAt.split(':')[0]);
}

const messages = new WeakMap<protobuf.Type, RestMessage>();

/** The REST view of a message type, built once per type; its fields' own types on first use. */
function messageOf(type: protobuf.Type): RestMessage {
  let msg = messages.get(type);
  if (msg) return msg;
  let byName: Map<string, RestField> | undefined;
  msg = {
    field(name) {
      if (!byName) {
        byName = new Map();
        for (const f of type.fieldsArray) {
          const field = fieldOf(f);
          byName.set(f.name, field);
          byName.set(field.jsonName, field);
        }
      }
      return byName.get(name);
    },
  };
  messages.set(type, msg);
  return msg;
}

function fieldOf(f: protobuf.Field): RestField {
  f.resolve();
  const t = f.resolvedType;
  const kind: RestFieldKind = f instanceof protobuf.MapField ? 'map' : t instanceof protobuf.Enum ? 'enum' : t instanceof protobuf.Type ? (WKT_KINDS[t.fullName] ?? 'message') : SCALAR_KINDS[f.type] ?? 'string';
  const sub = kind === 'message' ? (t as protobuf.Type) : undefined;
  return {
    name: f.name,
    jsonName: jsonNameOf(f),
    kind,
    repeated: f.repeated,
    get message() {
      return sub && messageOf(sub);
    },
  };
}

const SCALAR_KINDS: Readonly<Record<string, RestFieldKind>> = {
  double: 'float', float: 'float',
  int32: 'int', uint32: 'int', sint32: 'int', fixed32: 'int', sfixed32: 'int',
  int64: 'int64', uint64: 'int64', sint64: 'int64', fixed64: 'int64', sfixed64: 'int64',
  bool: 'bool', string: 'string', bytes: 'bytes',
};

/** Well-known types whose JSON is one scalar, so a path or query value can set them (as Envoy and grpc-gateway allow). */
const WKT_KINDS: Readonly<Record<string, RestFieldKind>> = {
  '.google.protobuf.Timestamp': 'string', '.google.protobuf.Duration': 'string', '.google.protobuf.FieldMask': 'string',
  '.google.protobuf.StringValue': 'string', '.google.protobuf.BytesValue': 'bytes', '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.Int32Value': 'int', '.google.protobuf.UInt32Value': 'int',
  '.google.protobuf.Int64Value': 'int64', '.google.protobuf.UInt64Value': 'int64',
  '.google.protobuf.FloatValue': 'float', '.google.protobuf.DoubleValue': 'float',
};
