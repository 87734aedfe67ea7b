import type { ServiceModel } from '../idl/model';
import { compileRoute, RouteError, type CompiledRoute } from './compile-route';

/** A trie node: one per distinct prefix of the routes' segments. */
interface Node {
  readonly literal: Map<string, Node>;
  star: Node | undefined;
  /** `**`: zero or more segments; under it only literals (validated by the parser). */
  doubleStar: Node | undefined;
  /** Routes ending here, by verb ('' for none). */
  readonly ends: Map<string, CompiledRoute>;
}

const newNode = (): Node => ({ literal: new Map(), star: undefined, doubleStar: undefined, ends: new Map() });

export interface RouteMatch {
  readonly route: CompiledRoute;
  /** The raw (still percent-encoded) path segments, the verb taken off. */
  readonly segments: readonly string[];
}

/**
 * Every REST route of one IDL snapshot, as one trie per HTTP method: a lookup walks the path's
 * segments (literal before `*` before `**`, as Envoy and grpc-gateway prefer the more specific),
 * never the list of routes. Built with the snapshot and swapped whole with it.
 */
export class RouteTable {
  private readonly byMethod = new Map<string, Node>();
  private readonly routes: CompiledRoute[] = [];

  /** The table of these services, and every problem met: a bad route, or one declared twice (the first one is kept). */
  static build(services: Iterable<ServiceModel>): { table: RouteTable; problems: string[] } {
    const table = new RouteTable();
    const problems: string[] = [];
    const byKey = new Map<string, CompiledRoute>();
    for (const svc of services) {
      for (const m of svc.methods.values()) {
        if (!m.rest) continue;
        for (const r of m.rest.routes) {
          let route: CompiledRoute;
          try {
            route = compileRoute(svc.name, m.name, m.rest, r);
          } catch (err) {
            if (err instanceof RouteError) {
              problems.push(err.message);
              continue;
            }
            throw err;
          }
          const seen = byKey.get(route.key);
          if (seen) {
            problems.push(`${route.key}: the same route is declared by ${seen.service}/${seen.method} (${seen.declaredAt}: ${seen.template}) and ${route.service}/${route.method} (${route.declaredAt}: ${route.template})`);
            continue;
          }
          byKey.set(route.key, route);
          table.add(route);
        }
      }
    }
    return { table, problems };
  }

  get size(): number {
    return this.routes.length;
  }

  /** Every route, in the order added (for `idl show` and tests). */
  all(): readonly CompiledRoute[] {
    return this.routes;
  }

  /** The route for a request, or undefined; `path` is the raw path without the query string. */
  match(httpMethod: string, path: string): RouteMatch | undefined {
    const root = this.byMethod.get(httpMethod);
    if (!root || path[0] !== '/') return undefined;
    const segments = path === '/' ? [] : path.slice(1).split('/');
    // A last segment with ':' may end in a verb; without the verb it may still be a literal or a variable's value.
    const last = segments.length ? segments[segments.length - 1]! : '';
    const colon = last.lastIndexOf(':');
    if (colon >= 0) {
      const withVerb = [...segments.slice(0, -1), last.slice(0, colon)];
      const route = walk(root, withVerb, 0, last.slice(colon + 1));
      if (route) return { route, segments: withVerb };
    }
    const route = walk(root, segments, 0, '');
    return route ? { route, segments } : undefined;
  }

  private add(route: CompiledRoute): void {
    let node: Node | undefined = this.byMethod.get(route.httpMethod);
    if (!node) this.byMethod.set(route.httpMethod, (node = newNode()));
    for (const s of route.parsed.segments) {
      if (s.kind === 'literal') {
        let next: Node | undefined = node.literal.get(s.value);
        if (!next) node.literal.set(s.value, (next = newNode()));
        node = next;
      } else if (s.kind === '*') node = node.star ??= newNode();
      else node = node.doubleStar ??= newNode();
    }
    node.ends.set(route.parsed.verb, route);
    this.routes.push(route);
  }
}

/** Depth-first over the trie, the most specific branch first; each step is a Map get. */
function walk(node: Node, segs: readonly string[], i: number, verb: string): CompiledRoute | undefined {
  if (i === segs.length) {
    const here = node.ends.get(verb);
    if (here) return here;
  } else {
    const seg = segs[i]!;
    const lit = node.literal.get(seg);
    const byLiteral = lit && walk(lit, segs, i + 1, verb);
    if (byLiteral) return byLiteral;
    const byStar = node.star && seg !== '' && walk(node.star, segs, i + 1, verb);
    if (byStar) return byStar;
  }
  const rest = node.doubleStar;
  if (!rest) return undefined;
  // `**` takes as few segments as lets the literals after it match (none, at the least).
  for (let j = i; j <= segs.length; j++) {
    const found = walk(rest, segs, j, verb);
    if (found) return found;
  }
  return undefined;
}
