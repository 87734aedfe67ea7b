import { invalidArgument, MeshError } from '../../errors/mesh-error';

/**
 * A conversion failure on its way up the tree. Converters throw it with the message only; each
 * enclosing container adds its path segment as the error passes, so the happy path never builds
 * path strings.
 */
export class ConvError extends Error {
  /** Path segments, innermost first: `.name`, `[2]`, `["key"]`. */
  readonly segments: string[] = [];
}

export function fail(message: string): never {
  throw new ConvError(message);
}

/** Fails on the member `key` of the object being converted. */
export function failAt(key: string, message: string): never {
  const err = new ConvError(message);
  err.segments.push(fieldSegment(key));
  throw err;
}

/** Re-throws `err` with one more (outer) path segment when it is a ConvError. */
export function rethrowAt(err: unknown, segment: string): never {
  if (err instanceof ConvError) err.segments.push(segment);
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

export function pathOf(err: ConvError): string {
  let path = '';
  for (let i = err.segments.length - 1; i >= 0; i--) path += err.segments[i];
  return path.startsWith('.') ? path.slice(1) : path;
}

/** The MeshError a failed encode reports: INVALID_ARGUMENT naming the JSON path. */
export function toInvalidArgument(err: unknown): MeshError {
  if (err instanceof ConvError) return invalidArgument(pathOf(err), err.message);
  if (err instanceof MeshError) return err;
  if (err instanceof RangeError) return invalidArgument('', 'value nested too deeply');
  return MeshError.from(err);
}

/** A short description of a JSON value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return v.length > 40 ? `string ${JSON.stringify(v.slice(0, 40))}...` : `string ${JSON.stringify(v)}`;
    case 'number':
      return `number ${v}`;
    case 'bigint':
      return `number ${v.toString()}`;
    case 'boolean':
      return `boolean ${v}`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}
