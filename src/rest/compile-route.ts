import type { RestField, RestMessage, RestMethod, RestRoute } from '../idl/rest-model';
import { parseTemplate, templateShape, TemplateError, type PathTemplate } from './path-template';

/** A field path resolved against the request (or response) message: the JSON keys to write and the fields on the way. */
export interface FieldPath {
  /** As the IDL wrote it (`user.id`). */
  readonly text: string;
  readonly keys: readonly string[];
  /** The IDL names, for reading an answer written with `proto-names`. */
  readonly names: readonly string[];
  readonly field: RestField;
}

export interface BoundVariable extends FieldPath {
  readonly start: number;
  readonly end: number;
  /** Covers more than one segment, or `**`: `%2F` stays encoded in its value. */
  readonly multi: boolean;
}

/** One route, compiled at snapshot time: everything a request needs beyond the trie walk. */
export interface CompiledRoute {
  readonly service: string;
  readonly method: string;
  readonly httpMethod: string;
  readonly template: string;
  readonly parsed: PathTemplate;
  /** Where `**` is in the template, or -1: segments after it sit further along a longer path. */
  readonly doubleStarAt: number;
  /** `GET /v1/*:verb`: routes with the same key are the same route. */
  readonly key: string;
  readonly declaredAt: string;
  readonly variables: readonly BoundVariable[];
  /** `all` (body `*`), a field, or `none`. */
  readonly body: 'all' | 'none' | FieldPath;
  readonly responseBody: FieldPath | undefined;
  readonly request: RestMessage;
  /** Where query parameter names are looked up: the request, or the field `queryRoot` names (Thrift's request struct argument). */
  readonly queryMessage: RestMessage;
  /** The JSON keys of that field; empty for the request itself. */
  readonly queryRootKeys: readonly string[];
  /** The body is the query root (Kitex: the request struct): its fields come from the body, the query or headers, as Hertz binds them. */
  readonly queryIntoBody: boolean;
  readonly queryNames: ReadonlyMap<string, FieldPath>;
  readonly headers: ReadonlyArray<readonly [string, FieldPath]>;
}

/** A route the IDL declares wrongly; the message names the route and why. */
export class RouteError extends Error {}

export function compileRoute(service: string, method: string, rest: RestMethod, r: RestRoute): CompiledRoute {
  const where = `${r.declaredAt}: ${r.httpMethod} ${r.template}`;
  const fail = (why: string): never => {
    throw new RouteError(`${where}: ${why}`);
  };
  let parsed: PathTemplate;
  try {
    parsed = parseTemplate(r.template);
  } catch (err) {
    if (err instanceof TemplateError) fail(err.message);
    throw err;
  }
  const resolve = (msg: RestMessage | undefined, text: string, what: string) => {
    const p = resolvePath(msg, text);
    if (typeof p === 'string') fail(`${what} ${text}: ${p}`);
    return p as FieldPath;
  };
  const variables = parsed.variables.map((v) => {
    const p = resolve(rest.request, v.path.join('.'), 'path variable');
    if (p.field.repeated || p.field.kind === 'message' || p.field.kind === 'map') fail(`path variable ${p.text} must name a single scalar field`);
    const multi = v.end - v.start > 1 || parsed.segments[v.start]?.kind === '**';
    return { ...p, start: v.start, end: v.end, multi };
  });
  const body = r.body === undefined || r.body === '' ? 'none' : r.body === '*' ? 'all' : resolve(rest.request, r.body, 'body');
  let responseBody: FieldPath | undefined;
  if (r.responseBody) {
    if (!rest.response) fail('response_body needs a response message');
    responseBody = resolve(rest.response, r.responseBody, 'response_body');
  }
  const root = r.queryRoot ? resolve(rest.request, r.queryRoot, 'query root') : undefined;
  const queryNames = new Map<string, FieldPath>();
  for (const [name, path] of r.queryNames ?? []) queryNames.set(name, resolve(rest.request, path, 'query parameter'));
  const headers = (r.headers ?? []).map(([h, path]) => [h.toLowerCase(), resolve(rest.request, path, 'header')] as const);
  if (root && (root.field.repeated || !root.field.message)) fail(`query root ${root.text} is not a message`);
  return {
    service,
    method,
    httpMethod: r.httpMethod,
    template: r.template,
    parsed,
    doubleStarAt: parsed.segments.findIndex((s) => s.kind === '**'),
    key: `${r.httpMethod} ${templateShape(parsed)}`,
    declaredAt: r.declaredAt,
    variables,
    body,
    responseBody,
    request: rest.request,
    queryMessage: root ? root.field.message! : rest.request,
    queryRootKeys: root?.keys ?? [],
    queryIntoBody: root !== undefined && typeof body === 'object' && body.text === root.text,
    queryNames,
    headers,
  };
}

/** Resolves `a.b.c` through the message's fields (IDL or JSON names); a string says why not. */
export function resolvePath(msg: RestMessage | undefined, text: string): FieldPath | string {
  const keys: string[] = [];
  const names: string[] = [];
  let field: RestField | undefined;
  for (const part of text.split('.')) {
    if (!msg) return `${names.join('.') || 'it'} is not a message`;
    field = msg.field(part);
    if (!field) return `no field "${part}"`;
    keys.push(field.jsonName);
    names.push(field.name);
    msg = field.repeated ? undefined : field.message;
  }
  return { text, keys, names, field: field! };
}
