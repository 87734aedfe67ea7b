import { exhausted, MeshError } from '../../src/errors/mesh-error';

describe('MeshError is built whole', () => {
  test('every field comes from the constructor', () => {
    const init = {
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo' }],
      extra: { thrift: { exception: 'x.E', value: {} } },
      metadata: { 'x-shard': '3' },
      retryable: true,
      retryAfterSeconds: 2,
      cause: new Error('ECONNRESET'),
    };
    const err = new MeshError('UNAVAILABLE', 'gone', init);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: 'gone', ...init });
    expect(err.cause).toBe(init.cause);
    expect(err.numericCode).toBe(14);
  });

  test('defaults: no details, not retryable, no cause', () => {
    const err = new MeshError('NOT_FOUND', 'no such item');
    expect(err.details).toEqual([]);
    expect(err.retryable).toBe(false);
    expect(err.metadata).toBeUndefined();
    expect(err.retryAfterSeconds).toBeUndefined();
    expect('cause' in err).toBe(false);
  });

  test('fields cannot be assigned after construction', () => {
    const err = new MeshError('UNAVAILABLE', 'x');
    // @ts-expect-error readonly: a copy is made instead (withMetadata)
    err.metadata = { a: 'b' };
    // @ts-expect-error readonly
    err.retryable = true;
    // @ts-expect-error readonly
    err.retryAfterSeconds = 1;
  });

  test('from() keeps what it wraps as the cause, and passes a MeshError through', () => {
    const thrown = new TypeError('undefined is not a function');
    const err = MeshError.from(thrown);
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toBe('undefined is not a function');
    expect(err.cause).toBe(thrown);
    expect(MeshError.from('just a string').cause).toBe('just a string');
    const mesh = new MeshError('NOT_FOUND', 'x');
    expect(MeshError.from(mesh)).toBe(mesh);
  });

  test('withMetadata copies the error with the provider metadata, leaving the original as it was', () => {
    const cause = new Error('under');
    const original = new MeshError('INTERNAL', 'bad reply', { details: [1], extra: { e: 1 }, retryable: true, retryAfterSeconds: 4, cause });
    const copy = original.withMetadata({ 'x-id': '7' });
    expect(copy).not.toBe(original);
    expect(copy).toMatchObject({ code: 'INTERNAL', message: 'bad reply', details: [1], extra: { e: 1 }, metadata: { 'x-id': '7' }, retryable: true, retryAfterSeconds: 4, cause });
    expect(copy.stack).toBe(original.stack);
    expect(original.metadata).toBeUndefined();
  });

  test('exhausted() carries its retry-after', () => {
    const err = exhausted('quota of a on b exhausted: 1 per 1m', 30);
    expect(err).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryAfterSeconds: 30, retryable: false });
  });
});
