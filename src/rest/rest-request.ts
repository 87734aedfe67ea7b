import { MeshError } from '../errors/mesh-error';
import { parseJson } from '../json/parse-json';
import type { JsonValue } from '../json/json-value';
import type { RestField } from '../idl/rest-model';
import { resolvePath, type CompiledRoute, type FieldPath } from './compile-route';
import type { RouteMatch } from './route-table';
import { writeJson } from './write-json';

type JsonObject = { [key: string]: JsonValue };

/**
 * The request message of a REST call, as JSON text for the method's ordinary conversion: the body
 * (per the route's `body`), then the path variables, then the query parameters and bound headers,
 * each typed by its field. Strict, like the rest of the JSON input: a query parameter naming no
 * field, a value that does not fit its field, or a field given twice is INVALID_ARGUMENT naming it.
 */
export function assembleRequest(match: RouteMatch, query: string, body: string, header: (name: string) => string | undefined): string {
  const route = match.route;
  const msg = bodyMessage(route, body);
  const bound = new Set<string>();
  // Segments after a `**` sit `extra` further along the request's path than in the template.
  const dbl = route.doubleStarAt;
  const extra = match.segments.length - route.parsed.segments.length;
  for (const v of route.variables) {
    const start = dbl >= 0 && v.start > dbl ? v.start + extra : v.start;
    const end = dbl >= 0 && v.end > dbl ? v.end + extra : v.end;
    const raw = match.segments.slice(start, end).join('/');
    const text = v.multi ? decodeKeepingSlashes(raw, v.text) : decode(raw, v.text);
    set(msg, v.keys, typed(v.field, text, `path variable ${v.text}`), `path variable ${v.text}`, true);
    bound.add(v.keys.join('.'));
  }
  if (query) addQuery(route, msg, query, bound);
  for (const [name, p] of route.headers) {
    const value = header(name);
    if (value !== undefined) set(msg, p.keys, typed(p.field, value, `header ${name}`), `header ${name}`, true);
  }
  return writeJson(msg);
}

function bodyMessage(route: CompiledRoute, body: string): JsonObject {
  const empty = body.trim() === '';
  if (route.body === 'none') {
    if (!empty) throw new MeshError('INVALID_ARGUMENT', `${route.httpMethod} ${route.template} takes no body: send the fields in the path and the query string`);
    return {};
  }
  if (route.body === 'all') {
    if (empty) return {};
    const v = parseJson(body);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new MeshError('INVALID_ARGUMENT', 'the body must be a JSON object (the request message)');
    return v;
  }
  const msg: JsonObject = {};
  if (!empty) set(msg, route.body.keys, parseJson(body), `body ${route.body.text}`, false);
  return msg;
}

function addQuery(route: CompiledRoute, msg: JsonObject, query: string, bound: ReadonlySet<string>): void {
  const byQuery = new Set<string>();
  for (const [name, value] of new URLSearchParams(query)) {
    const where = `query parameter "${name}"`;
    let p = route.queryNames.get(name);
    if (!p) {
      const found = resolvePath(route.queryMessage, name);
      if (typeof found === 'string') throw new MeshError('INVALID_ARGUMENT', `${where} names no field of the request (${found})`);
      p = route.queryRootKeys.length ? { ...found, keys: [...route.queryRootKeys, ...found.keys] } : found;
    }
    if (p.field.kind === 'message' || p.field.kind === 'map') throw new MeshError('INVALID_ARGUMENT', `${where} names a message field: name one of its fields (${name}.<field>)`);
    const key = p.keys.join('.');
    if (bound.has(key)) throw new MeshError('INVALID_ARGUMENT', `${where} is bound by the path`);
    if (typeof route.body === 'object' && !route.queryIntoBody && startsWith(p.keys, route.body.keys)) throw new MeshError('INVALID_ARGUMENT', `${where} is in the body (${route.body.text})`);
    const v = typed(p.field, value, where);
    if (p.field.repeated) appendTo(msg, p, v, where, byQuery.has(key));
    else {
      if (byQuery.has(key)) throw new MeshError('INVALID_ARGUMENT', `${where} is given twice and its field is not repeated`);
      set(msg, p.keys, v, where, true);
    }
    byQuery.add(key);
  }
}

/** A repeated field: the query's values replace what the body held, in order. */
function appendTo(msg: JsonObject, p: FieldPath, v: JsonValue, where: string, more: boolean): void {
  const parent = parentOf(msg, p.keys, where);
  const k = p.keys[p.keys.length - 1]!;
  const arr = parent[k];
  if (more && Array.isArray(arr)) arr.push(v);
  else parent[k] = [v];
}

function set(msg: JsonObject, keys: readonly string[], v: JsonValue, where: string, overwrite: boolean): void {
  const parent = parentOf(msg, keys, where);
  const k = keys[keys.length - 1]!;
  if (!overwrite && k in parent) throw new MeshError('INVALID_ARGUMENT', `${where} is set twice`);
  parent[k] = v;
}

function parentOf(msg: JsonObject, keys: readonly string[], where: string): JsonObject {
  let o = msg;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!;
    const next = o[k];
    if (next === undefined || next === null) o = o[k] = {};
    else if (typeof next === 'object' && !Array.isArray(next)) o = next;
    else throw new MeshError('INVALID_ARGUMENT', `${where}: ${keys.slice(0, i + 1).join('.')} is not an object in the body`);
  }
  return o;
}

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A path, query or header value as its field's JSON: numbers as numbers, 64-bit integers as exact strings. */
export function typed(field: RestField, text: string, where: string): JsonValue {
  const bad = (what: string): never => {
    throw new MeshError('INVALID_ARGUMENT', `${where}: "${text}" is not ${what}`);
  };
  switch (field.kind) {
    case 'string':
    case 'bytes':
      return text;
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : bad('true or false');
    case 'int':
      return INTEGER.test(text) ? Number(text) : bad('an integer');
    case 'int64':
      return INTEGER.test(text) ? text : bad('an integer');
    case 'float':
      if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
      return NUMBER.test(text) ? Number(text) : bad('a number');
    case 'enum':
      return INTEGER.test(text) ? Number(text) : text;
    default:
      return bad('a single value (the field is a message)');
  }
}

/** A one-segment variable: every escape decoded, `%2F` included. */
function decode(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MeshError('INVALID_ARGUMENT', `path variable ${name}: "${raw}" is not valid percent-encoding`);
  }
}

/** A multi-segment variable: decoded except `%2F`, which stays as sent (google/api/http.proto). */
function decodeKeepingSlashes(raw: string, name: string): string {
  return raw
    .split(/(%2[fF])/)
    .map((part, i) => (i % 2 ? part : decode(part, name)))
    .join('');
}

function startsWith(keys: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((k, i) => keys[i] === k);
}

/**
 * The answer of a route with `response_body`: that field of the response message alone. A field
 * the answer leaves out (a default value) is written as its default.
 */
export function pickResponse(route: CompiledRoute, json: string): string {
  const p = route.responseBody;
  if (!p) return json;
  let v: JsonValue | undefined = parseJson(json);
  for (let i = 0; i < p.keys.length && v !== undefined; i++) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'null';
    // The answer may be written with IDL names (`proto-names`).
    v = v[p.keys[i]!] ?? v[p.names[i]!];
  }
  return v === undefined ? defaultJson(p.field) : writeJson(v);
}

function defaultJson(f: RestField): string {
  if (f.repeated) return '[]';
  switch (f.kind) {
    case 'string':
    case 'bytes':
      return '""';
    case 'bool':
      return 'false';
    case 'int':
    case 'float':
      return '0';
    case 'int64':
      return '"0"';
    case 'message':
    case 'map':
      return '{}';
    default:
      return 'null';
  }
}
