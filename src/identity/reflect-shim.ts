/**
 * @peculiar/x509 pulls in tsyringe, which refuses to load without a Reflect metadata polyfill
 * (reflect-metadata, core-js or @abraham/reflection). None is installed, and tsyringe uses only
 * these three functions, so this is the smallest stand-in: per-target maps, inherited lookups
 * through the prototype chain. Replace with `import 'reflect-metadata'` once that package is added.
 */
const store = new WeakMap<object, Map<unknown, unknown>>();
const R = Reflect as unknown as Record<string, unknown>;

if (typeof R.getMetadata !== 'function') {
  const own = (key: unknown, target: object) => store.get(target)?.get(key);
  R.getOwnMetadata = own;
  R.getMetadata = (key: unknown, target: object) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
      const v = own(key, t);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  R.defineMetadata = (key: unknown, value: unknown, target: object) => {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    m.set(key, value);
  };
}

export {};
