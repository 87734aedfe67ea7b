import fc from 'fast-check';
import { createSampler, traceIdRatio } from '../../src/sidecar/tracing/sampler';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from '../../src/sidecar/tracing/trace-context';
import { otelConfigSchema } from '../../src/config/otel-config';

const hexId = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));

/** The Go/Java SDKs' TraceIdRatioBased in BigInt: lower 8 bytes >> 1 below ratio × 2^63. */
const reference = (ratio: number, traceId: string) => BigInt(`0x${traceId.slice(16)}`) >> 1n < BigInt(Math.floor(ratio * 2 ** 63));

describe('TraceIdRatioBased', () => {
  test('decides as the reference algorithm, on any id and ratio', () => {
    fc.assert(
      fc.property(hexId(16), fc.double({ min: 0, max: 1, noNaN: true }), (id, ratio) => {
        expect(traceIdRatio(ratio)(id, undefined)).toBe(ratio >= 1 ? true : ratio <= 0 ? false : reference(ratio, id));
      }),
      { numRuns: 2000 },
    );
  });

  test('on the edges of the bound (same high half, low halves either side)', () => {
    const ratio = 0.5; // bound 2^62: lower 8 bytes 0x7fff...ffff kept, 0x8000...0000 not
    const sampler = traceIdRatio(ratio);
    const id = (lower: string) => `${'ab'.repeat(8)}${lower}`;
    for (const lower of ['7fffffffffffffff', '8000000000000000', '8000000000000001', '0000000000000000', 'ffffffffffffffff', '3fffffffffffffff', '4000000000000000']) {
      expect(sampler(id(lower), undefined)).toBe(reference(ratio, id(lower)));
    }
    const third = traceIdRatio(1 / 3);
    const edge = (BigInt(Math.floor((1 / 3) * 2 ** 63)) << 1n).toString(16).padStart(16, '0');
    const below = ((BigInt(`0x${edge}`) - 2n) & 0xffffffffffffffffn).toString(16).padStart(16, '0');
    expect([third(id(below), undefined), third(id(edge), undefined)]).toEqual([true, false]);
  });

  test('deterministic, and a trace kept at one ratio is kept at every higher one', () => {
    fc.assert(
      fc.property(hexId(16), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (id, a, b) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        expect(traceIdRatio(lo)(id, undefined)).toBe(traceIdRatio(lo)(id, undefined));
        if (traceIdRatio(lo)(id, undefined)) expect(traceIdRatio(hi)(id, undefined)).toBe(true);
      }),
    );
  });

  test('keeps about the ratio of random traces', () => {
    const sampler = traceIdRatio(0.25);
    let kept = 0;
    for (let i = 0; i < 20_000; i++) if (sampler(newTraceId(), undefined)) kept++;
    // 20,000 draws at p = 0.25: the standard deviation is about 61; 10 of them is never crossed by chance.
    expect(Math.abs(kept - 5000)).toBeLessThan(610);
  });
});

describe('samplers from OTEL_TRACES_SAMPLER', () => {
  const sampledParent = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), sampled: true };
  const unsampledParent = { ...sampledParent, sampled: false };
  const lowId = `${'ff'.repeat(8)}${'00'.repeat(8)}`; // kept by any ratio above 0
  const highId = 'ff'.repeat(16); // kept only at ratio 1

  test.each([
    ['always_on', 0.5, [true, true, true]],
    ['always_off', 0.5, [false, false, false]],
    ['traceidratio', 0.5, [false, false, false]],
    ['parentbased_always_on', 0.5, [true, true, false]],
    ['parentbased_always_off', 0.5, [false, true, false]],
    ['parentbased_traceidratio', 0.5, [false, true, false]],
  ] as const)('%s: root, sampled parent, unsampled parent', (name, ratio, expected) => {
    const sample = createSampler({ name, ratio });
    expect([sample(highId, undefined), sample(highId, sampledParent), sample(highId, unsampledParent)]).toEqual(expected);
  });

  test('ratio samplers read the trace id of a root', () => {
    expect(createSampler({ name: 'parentbased_traceidratio', ratio: 0.01 })(lowId, undefined)).toBe(true);
    expect(createSampler({ name: 'traceidratio', ratio: 0.01 })(lowId, sampledParent)).toBe(true);
  });
});

describe('trace context', () => {
  test('a valid traceparent is the parent; malformed or all-zero ids make a new root', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled).toBe(false);
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03')?.sampled).toBe(true);
    for (const bad of [undefined, '', 'garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra']) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });

  test('new ids are lowercase hex of the right length, distinct, and round-trip through traceparent', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const traceId = newTraceId();
      const spanId = newSpanId();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      ids.add(traceId);
      expect(parseTraceparent(formatTraceparent(traceId, spanId, i % 2 === 0))).toEqual({ traceId, spanId, sampled: i % 2 === 0 });
    }
    expect(ids.size).toBe(2000);
  });
});

describe('the OpenTelemetry environment', () => {
  const parse = (env: Record<string, string>) => otelConfigSchema.safeParse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', ...env });

  test('defaults as the SDK has them', () => {
    const c = parse({});
    expect(c.success && c.data).toEqual({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: undefined,
      headers: {},
      timeoutMs: 10000,
      sampler: { name: 'parentbased_always_on', ratio: 1 },
      batch: { scheduleDelayMs: 5000, maxQueueSize: 2048, maxExportBatchSize: 512, exportTimeoutMs: 30000 },
    });
  });

  test('samplers, batching, headers (URL-decoded, traces-specific ones win) and timeouts are read', () => {
    const c = parse({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BSP_MAX_QUEUE_SIZE: '10',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b%3Dc, X-Tenant=t1',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=t2',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '3000',
      OTEL_TRACES_EXPORTER: '',
    });
    expect(c.success && c.data).toMatchObject({
      sampler: { name: 'parentbased_traceidratio', ratio: 0.1 },
      batch: { scheduleDelayMs: 100, maxQueueSize: 10, maxExportBatchSize: 10 },
      headers: { 'api-key': 'a b=c', 'x-tenant': 't2' },
      timeoutMs: 3000,
    });
    // An empty variable counts as unset (the spec's rule).
    expect(parse({ OTEL_TRACES_SAMPLER: '' }).data?.sampler.name).toBe('parentbased_always_on');
  });

  test.each([
    [{ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, 'OTEL_TRACES_SAMPLER: one of always_on, always_off, traceidratio'],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG: a ratio between 0 and 1'],
    [{ OTEL_TRACES_SAMPLER_ARG: 'half' }, 'OTEL_TRACES_SAMPLER_ARG'],
    [{ OTEL_BSP_MAX_QUEUE_SIZE: '0' }, 'OTEL_BSP_MAX_QUEUE_SIZE'],
    [{ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, 'OTEL_EXPORTER_OTLP_HEADERS'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'only http/protobuf and http/json'],
  ])('%o is refused at start: %s', (env, message) => {
    const c = parse(env as Record<string, string>);
    expect(c.success).toBe(false);
    expect(c.error?.issues[0].message).toContain(message);
  });
});
