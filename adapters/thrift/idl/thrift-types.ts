/**
 * The resolved Thrift schema that the converters are compiled from: typedefs are gone, every
 * named type is an object reference (shared, so recursive structs are fine).
 */
export type ThriftType =
  | { readonly kind: 'bool' | 'byte' | 'i16' | 'i32' | 'i64' | 'double' | 'string' | 'binary' }
  | { readonly kind: 'enum'; readonly def: EnumDef }
  | { readonly kind: 'list' | 'set'; readonly elem: ThriftType }
  | { readonly kind: 'map'; readonly key: ThriftType; readonly value: ThriftType }
  | { readonly kind: 'struct'; readonly def: StructDef };

export interface EnumDef {
  /** `<module>.<Enum>` */
  readonly name: string;
  readonly byName: ReadonlyMap<string, number>;
  readonly byValue: ReadonlyMap<number, string>;
  /** Members in IDL order, for examples. */
  readonly names: readonly string[];
}

export type Requiredness = 'required' | 'optional' | 'default';

export interface FieldDef {
  readonly id: number;
  readonly name: string;
  readonly type: ThriftType;
  readonly requiredness: Requiredness;
  /** Its `(name = "value")` annotations (Kitex's `api.path`, `api.query`, …). */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface StructDef {
  /** `<module>.<Type>` */
  readonly name: string;
  readonly kind: 'struct' | 'union' | 'exception';
  /** Filled after creation so that types can refer to each other. */
  fields: FieldDef[];
  readonly annotations: Readonly<Record<string, string>>;
}

export interface MethodDef {
  readonly name: string;
  readonly oneway: boolean;
  /** Annotated `(transmesh.idempotent = "true")`. */
  readonly idempotent: boolean;
  readonly args: readonly FieldDef[];
  /** `undefined` for void. */
  readonly returns: ThriftType | undefined;
  /** Each `throws` field; its type is an exception struct. */
  readonly throws: readonly FieldDef[];
  /** The function's annotations (Kitex's `api.get`, …). */
  readonly annotations?: Readonly<Record<string, string>>;
  /** The file that declares it. */
  readonly file?: string;
}

export interface ServiceDef {
  /** `<module>.<Service>` */
  readonly name: string;
  /** Inherited methods first, then the service's own. */
  readonly methods: readonly MethodDef[];
}
