import { Code, codeName, CodeName, isCodeName } from '../../src/errors/codes';
import { errorBody, httpStatusOf } from '../../src/sidecar/outbound/http-status';
import { MeshError } from '../../src/errors/mesh-error';

describe('the one code-to-HTTP mapping', () => {
  const contract: Record<CodeName, number> = {
    OK: 200,
    INVALID_ARGUMENT: 400,
    FAILED_PRECONDITION: 400,
    OUT_OF_RANGE: 400,
    UNAUTHENTICATED: 401,
    PERMISSION_DENIED: 403,
    NOT_FOUND: 404,
    ALREADY_EXISTS: 409,
    ABORTED: 409,
    UNKNOWN: 500,
    INTERNAL: 500,
    DATA_LOSS: 500,
    RESOURCE_EXHAUSTED: 429,
    CANCELLED: 499,
    UNIMPLEMENTED: 501,
    UNAVAILABLE: 503,
    DEADLINE_EXCEEDED: 504,
  };

  test.each(Object.entries(contract))('%s is HTTP %i', (code, status) => {
    expect(httpStatusOf(code as CodeName)).toBe(status);
  });

  test('every gRPC code is in the table, numbered as gRPC numbers them', () => {
    expect(Object.keys(Code).sort()).toEqual(Object.keys(contract).sort());
    for (const [name, num] of Object.entries(Code)) expect(codeName(num)).toBe(name);
    expect(codeName(99)).toBe('UNKNOWN');
    expect(isCodeName('NOT_FOUND')).toBe(true);
    expect(isCodeName('toString')).toBe(false);
  });
});

describe('the JSON error body', () => {
  test('has the contract shape, with protocol extras inside error', () => {
    const err = new MeshError('NOT_FOUND', 'no user 42', { details: [{ '@type': 'x' }], extra: { thrift: { exception: 'm.E', value: {} } } });
    expect(JSON.parse(errorBody(err, 'req-1'))).toEqual({
      error: { code: 'NOT_FOUND', message: 'no user 42', details: [{ '@type': 'x' }], requestId: 'req-1', thrift: { exception: 'm.E', value: {} } },
    });
  });

  test('anything that is not a MeshError becomes INTERNAL', () => {
    expect(MeshError.from(new TypeError('boom'))).toMatchObject({ code: 'INTERNAL', message: 'boom' });
    const e = new MeshError('ABORTED', 'x');
    expect(MeshError.from(e)).toBe(e);
  });
});

describe('MeshError stacks', () => {
  test('only errors that mean a bug capture a stack; answers do not, and the global limit is left as it was', () => {
    const before = Error.stackTraceLimit;
    expect(new MeshError('NOT_FOUND', 'no such item').stack).not.toMatch(/\n\s+at /);
    expect(new MeshError('DEADLINE_EXCEEDED', 'late').stack).not.toMatch(/\n\s+at /);
    expect(new MeshError('INTERNAL', 'bug').stack).toMatch(/\n\s+at /);
    expect(MeshError.from(new TypeError('x')).stack).toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('plain').stack).toMatch(/\n\s+at /);
  });
});
