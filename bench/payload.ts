/**
 * The benchmark message: about 1 KB of JSON mixing strings, int32, int64 (one past 2^53 as a
 * bare number, as PHP's json_encode writes it), an enum, a nested message and lists. The same
 * text is a bench.v1.Item (proto) and a shop.Item (Thrift), so both protocols carry equal data.
 */

/** The id: beyond 2^53, so the sidecar must keep it exact (it takes the exact-parser path). */
export const BIG_ID = 9007199254740993n;

function child(i: number) {
  return {
    id: 1000 + i,
    name: `line item number ${i} of the order`,
    price: { units: 12 + i, nanos: 500000000, currency: 'EUR' },
    tags: [`sku-${i}`, 'warehouse-north'],
    color: 'RED',
    count: i + 1,
  };
}

/**
 * The item as a plain object, int64 ids as numbers except the top-level id (spliced in as text).
 * `children` grows it: 4 (the default) is about 1 KB of JSON, 60 about 10 KB.
 */
function itemObject(children = 4) {
  return {
    id: '__BIG_ID__',
    name: 'Benchmark item with a reasonably long human readable name',
    price: { units: 1999, nanos: 990000000, currency: 'EUR' },
    tags: ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'],
    color: 'GREEN',
    active: true,
    count: 42,
    weight: 12.75,
    children: Array.from({ length: children }, (_, i) => child(i + 1)),
  };
}

/** The request body as PHP would send it: the 64-bit id as a bare JSON number. */
export function itemJson(children?: number): string {
  return JSON.stringify(itemObject(children)).replace('"__BIG_ID__"', BIG_ID.toString());
}

/** The same item with the id as a JSON string (canonical proto3 JSON): JSON.parse suffices. */
export function itemJsonInt64AsString(): string {
  return JSON.stringify(itemObject()).replace('"__BIG_ID__"', `"${BIG_ID}"`);
}

/** Thrift arguments are an object by name: `Item put(1: Item item)`. */
export function thriftArgsJson(itemText: string): string {
  return `{"item":${itemText}}`;
}

/** What protobufjs' fromObject takes (int64 as decimal strings, enums by name). */
export function itemForProtobufjs(children?: number): Record<string, unknown> {
  const o = itemObject(children) as Record<string, unknown>;
  return { ...o, id: BIG_ID.toString() };
}
