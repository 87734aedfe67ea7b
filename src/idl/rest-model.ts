/**
 * What a protocol adapter tells the core about a method's REST routes (from `google.api.http`
 * on `.proto`, from Kitex/Hertz `api.*` annotations on `.thrift`), in one protocol-neutral shape.
 * src/rest compiles these into the route table of an IDL snapshot.
 */

/** How a path variable, query parameter or header value is typed into the request JSON. */
export type RestFieldKind = 'string' | 'bytes' | 'bool' | 'int' | 'int64' | 'float' | 'enum' | 'message' | 'map';

export interface RestField {
  /** The field's name as written in the IDL (proto name, Thrift field name). */
  readonly name: string;
  /** The key written in the request JSON (proto's lowerCamelCase JSON name; Thrift's field name). */
  readonly jsonName: string;
  readonly kind: RestFieldKind;
  readonly repeated: boolean;
  /** The fields of a `message` field (built on first use, so recursive types are fine). */
  readonly message: RestMessage | undefined;
}

/** A message's (or Thrift argument list's, or struct's) fields, looked up by IDL name or JSON name. */
export interface RestMessage {
  field(name: string): RestField | undefined;
}

/** One route of a method as its IDL declares it. */
export interface RestRoute {
  /** Upper case: `GET`, `POST`, …, or a `custom` kind. */
  readonly httpMethod: string;
  /**
   * A `google.api.http` path template (`/v1/{name=shelves/*}/books/{book.id}:verb`); the variables
   * are field paths of the request JSON in IDL names.
   */
  readonly template: string;
  /** `*` (the whole request), a field path (that field), or undefined (no body). */
  readonly body: string | undefined;
  /** A field path of the response: that field alone is written. */
  readonly responseBody: string | undefined;
  /** Where the IDL declares it, for messages: `orders.thrift: OrderService.get` or `shop.proto: shop.Shop.Get`. */
  readonly declaredAt: string;
  /** A field path prefixed to query parameter names (Thrift: the one request struct argument). */
  readonly queryRoot?: string;
  /** Query parameter names the IDL renames (Kitex `api.query`), to field paths. */
  readonly queryNames?: ReadonlyMap<string, string>;
  /** Request headers bound to fields (Kitex `api.header`): lower-case header name, field path. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

export interface RestMethod {
  readonly routes: readonly RestRoute[];
  readonly request: RestMessage;
  /** Undefined when the response is not a message (a Thrift return value): no `response_body` then. */
  readonly response: RestMessage | undefined;
}
