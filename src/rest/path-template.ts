/**
 * The path template grammar of `google.api.http` (google/api/http.proto):
 *
 *     Template = "/" Segments [ Verb ] ;
 *     Segments = Segment { "/" Segment } ;
 *     Segment  = "*" | "**" | LITERAL | Variable ;
 *     Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *     FieldPath = IDENT { "." IDENT } ;
 *     Verb     = ":" LITERAL ;
 *
 * `**` matches zero or more segments; only literals may follow it. `{x}` is `{x=*}`. `/` alone is the root.
 */

export type Segment = { readonly kind: 'literal'; readonly value: string } | { readonly kind: '*' } | { readonly kind: '**' };

export interface TemplateVariable {
  /** The field path, split on `.`. */
  readonly path: readonly string[];
  /** The segments it covers: [start, end) of `segments`. */
  readonly start: number;
  readonly end: number;
}

export interface PathTemplate {
  readonly segments: readonly Segment[];
  readonly variables: readonly TemplateVariable[];
  /** The custom verb after the last `:`, or '' for none. */
  readonly verb: string;
}

/** A template that does not parse: the message says where. */
export class TemplateError extends Error {}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Characters a literal segment or verb may not hold (they are the grammar's own). */
const NOT_LITERAL = /[/{}*:=?#]/;

export function parseTemplate(template: string): PathTemplate {
  const fail = (why: string): never => {
    throw new TemplateError(`path template "${template}": ${why}`);
  };
  if (!template.startsWith('/')) fail('must start with "/"');
  let rest = template.slice(1);
  let verb = '';
  // The verb is after the last ':' that is outside any variable.
  const colon = lastColonOutsideBraces(rest);
  if (colon >= 0) {
    verb = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!verb || NOT_LITERAL.test(verb)) fail(`bad verb ":${verb}"`);
  }
  const segments: Segment[] = [];
  const variables: TemplateVariable[] = [];
  if (rest === '' && verb === '') return { segments, variables, verb };
  let i = 0;
  const plain = (text: string, inVariable: boolean) => {
    if (text === '*' || text === '**') segments.push({ kind: text });
    else if (text === '') fail('empty segment');
    else if (NOT_LITERAL.test(text)) fail(`bad segment "${text}"${inVariable ? ' in a variable' : ''}`);
    else segments.push({ kind: 'literal', value: text });
  };
  while (i <= rest.length) {
    if (rest[i] === '{') {
      const close = rest.indexOf('}', i);
      if (close < 0) fail('unclosed "{"');
      const inner = rest.slice(i + 1, close);
      if (inner.includes('{')) fail('nested variables');
      const eq = inner.indexOf('=');
      const fieldPath = eq < 0 ? inner : inner.slice(0, eq);
      const path = fieldPath.split('.');
      if (!path.every((p) => IDENT.test(p))) fail(`bad field path "${fieldPath}"`);
      if (variables.some((v) => v.path.join('.') === fieldPath)) fail(`variable ${fieldPath} appears twice`);
      const start = segments.length;
      if (eq < 0) segments.push({ kind: '*' });
      else for (const s of inner.slice(eq + 1).split('/')) plain(s, true);
      variables.push({ path, start, end: segments.length });
      i = close + 1;
      if (i < rest.length && rest[i] !== '/') fail(`"${rest[i]}" after a variable`);
    } else {
      let end = rest.indexOf('/', i);
      if (end < 0) end = rest.length;
      plain(rest.slice(i, end), false);
      i = end;
    }
    if (i >= rest.length) break;
    i++; // the '/'
    if (i === rest.length) fail('ends with "/"');
  }
  // As Envoy's transcoder allows: literals may follow `**` (`/{name=**}/books`), wildcards may not.
  const dbl = segments.findIndex((s) => s.kind === '**');
  if (dbl >= 0 && segments.slice(dbl + 1).some((s) => s.kind !== 'literal')) fail('only literal segments may follow "**"');
  return { segments, variables, verb };
}

function lastColonOutsideBraces(s: string): number {
  let depth = 0;
  let last = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ':' && depth === 0) last = i;
  }
  // Only a verb at the very end counts: a ':' before another '/' is an error the segment parser reports.
  return last >= 0 && !s.slice(last).includes('/') ? last : -1;
}

/** The template with variables replaced by what they match: two routes with the same shape clash. */
export function templateShape(t: PathTemplate): string {
  const segs = t.segments.map((s) => (s.kind === 'literal' ? s.value : s.kind));
  return `/${segs.join('/')}${t.verb ? `:${t.verb}` : ''}`;
}

