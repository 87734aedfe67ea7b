import { AsyncResource } from 'node:async_hooks';

/**
 * Node 20, 22 and 24 build every `AsyncResource.prototype.bind` result with
 * two `util.deprecate` wrappers for its deprecated `.asyncResource` property (DEP0172) and an
 * `Object.defineProperties`, and `http2` calls it on every `session.request` (backported to
 * 20.18.3). In the sidecar profiles that was a third of `session.request`, so the sidecar
 * replaces it, first thing, with the same binding minus the deprecated property
 * (docs/performance.md, "Node 20's AsyncResource.bind"). The bound function still runs `fn` in
 * the resource's async scope, with the same `this` and arguments, and keeps `fn.length`.
 *
 * Node 24.21 still builds the accessors (cheaper; replacing bind still cut its h2 client's CPU
 * per request by 15-35%, bench/h2-request-cost.ts); Node 25 drops them, and is left alone.
 * Off with TRANSMESH_LEAN_ASYNC_BIND=0.
 */
export function needsLeanAsyncBind(version: string = process.versions.node): boolean {
  return Number(version.split('.')[0]) < 25;
}

let installed = false;

/** Replaces `AsyncResource.prototype.bind` once; returns whether it is (now) replaced. */
export function installLeanAsyncBind(env: NodeJS.ProcessEnv = process.env): boolean {
  if (installed) return true;
  if (env.TRANSMESH_LEAN_ASYNC_BIND === '0' || !needsLeanAsyncBind()) return false;
  type Fn = (...args: unknown[]) => unknown;
  const leanBind = function bind(this: AsyncResource, fn: Fn, thisArg?: unknown): Fn {
    if (typeof fn !== 'function') throw new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`);
    // The bound function has its own `this` (the caller's), so the resource needs a name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const resource = this;
    const bound: Fn =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]) {
            return resource.runInAsyncScope(fn, this, ...args);
          }
        : resource.runInAsyncScope.bind(resource, fn, thisArg);
    Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, writable: false, value: fn.length });
    return bound;
  };
  AsyncResource.prototype.bind = leanBind as unknown as typeof AsyncResource.prototype.bind;
  installed = true;
  return true;
}
