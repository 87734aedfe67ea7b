/**
 * Errors raised deep inside a converter carry path segments that each enclosing level adds as
 * the error passes through, so the happy path never builds a path string.
 */
export class PathError extends Error {
  readonly segments: string[] = [];

  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PathError';
  }

  /** Adds the segment of an enclosing value (`.name`, `[2]`, `["k"]`) and rethrows. */
  static within(err: unknown, segment: string): never {
    if (err instanceof PathError) err.segments.push(segment);
    throw err;
  }

  get path(): string {
    let p = '';
    for (let i = this.segments.length - 1; i >= 0; i--) p += this.segments[i];
    return p.startsWith('.') ? p.slice(1) : p;
  }
}

export function fail(reason: string): never {
  throw new PathError(reason);
}

export function fieldSeg(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

export function indexSeg(i: number): string {
  return `[${i}]`;
}

export function keySeg(k: string): string {
  return `[${JSON.stringify(k)}]`;
}

/** A short description of a JSON value's kind, for messages. */
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
