import * as protobuf from 'protobufjs';
import { BUILTIN_PROTO_PATHS } from '../idl/proto-builtins';
import { loadProtoSources } from '../idl/proto-loader';

/**
 * Message types named by google.protobuf.Any type URLs. A URL is looked up in the root of the
 * message that holds the Any, then among the bundled protos (well-known types, google.rpc error
 * details), so an Any can carry those even when the pushed files never import them.
 */

let builtin: protobuf.Root | undefined;

/** A Root holding every bundled proto: well-known types and google/rpc. */
export function builtinRoot(): protobuf.Root {
  if (!builtin) {
    const root = new protobuf.Root();
    loadProtoSources(root, BUILTIN_PROTO_PATHS, {});
    root.resolveAll();
    builtin = root;
  }
  return builtin;
}

const byRoot = new WeakMap<protobuf.Root, Map<string, protobuf.Type | null>>();

function lookupIn(root: protobuf.Root, name: string): protobuf.Type | null {
  try {
    const found = root.lookup(name, [protobuf.Type]);
    return found instanceof protobuf.Type ? found : null;
  } catch {
    return null;
  }
}

/** The type a type URL names (the part after the last '/', or all of it without one, as protojson reads it), or null when no root knows it. */
export function anyType(root: protobuf.Root, url: string): protobuf.Type | null {
  let cache = byRoot.get(root);
  if (!cache) {
    cache = new Map();
    byRoot.set(root, cache);
  }
  let found = cache.get(url);
  if (found === undefined) {
    const slash = url.lastIndexOf('/');
    const name = url.slice(slash + 1);
    found = null;
    if (/^[A-Za-z_][\w.]*$/.test(name)) found = lookupIn(root, '.' + name) ?? lookupIn(builtinRoot(), '.' + name);
    // Bounded: unknown URLs come from callers, so do not let them grow the cache without limit.
    if (cache.size < 10000) cache.set(url, found);
  }
  return found;
}
