import { invalidArgument, MeshError } from '../errors/mesh-error';

/**
 * A conversion failure on its way up the tree, for both codecs (proto and Thrift). Converters
 * throw it with the message only; each enclosing container adds its path segment as the error
 * passes, so the happy path never builds path strings.
 */
export class JsonPathError extends Error {
  /** Path segments, innermost first: `.name`, `[2]`, `["key"]`. */
  readonly segments: string[] = [];

  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }

  /** The JSON path of the failing value: `items[2].name`. */
  get path(): string {
    let path = '';
    for (let i = this.segments.length - 1; i >= 0; i--) path += this.segments[i];
    return path.startsWith('.') ? path.slice(1) : path;
  }
}

export function fail(message: string): never {
  throw new JsonPathError(message);
}

/** Fails on the member `key` of the object being converted. */
export function failAt(key: string, message: string): never {
  const err = new JsonPathError(message);
  err.segments.push(fieldSegment(key));
  throw err;
}

/** Re-throws `err` with one more (outer) path segment when it is a JsonPathError. */
export function rethrowAt(err: unknown, segment: string): never {
  if (err instanceof JsonPathError) err.segments.push(segment);
  throw err;
}

export function fieldSegment(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function indexSegment(i: number): string {
  return `[${i}]`;
}

export function keySegment(key: string): string {
  return `[${JSON.stringify(key)}]`;
}

/** The MeshError a failed encode reports: INVALID_ARGUMENT naming the JSON path. */
export function toInvalidArgument(err: unknown): MeshError {
  if (err instanceof JsonPathError) return invalidArgument(err.path, err.message);
  if (err instanceof MeshError) return err;
  if (err instanceof RangeError) return invalidArgument('', 'value nested too deeply');
  return MeshError.from(err);
}

/** A short description of a JSON value for proto error messages: its kind and value. */
export function describe(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v.length > 40 ? `string ${JSON.stringify(v.slice(0, 40))}...` : `string ${JSON.stringify(v)}`;
    case 'number':
      return `number ${v}`;
    case 'bigint':
      return `number ${v.toString()}`;
    case 'boolean':
      return `boolean ${v}`;
    default:
      return kindOf(v);
  }
}

/** A short description of a JSON value's kind, for Thrift error messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string': return 'a string';
    case 'number': return Number.isInteger(v) ? 'an integer' : 'a number';
    case 'bigint': return 'an integer';
    case 'boolean': return 'a boolean';
    case 'object': return 'an object';
    default: return typeof v;
  }
}
