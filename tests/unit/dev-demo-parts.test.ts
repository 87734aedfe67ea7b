import { report, summaryOf } from '../../src/dev/directions';
import { TraceCollector } from '../../src/dev/trace-collector';

/** The demo's own parts: its per-direction report, and the OTLP receiver it checks traces with. */
describe('the demo report', () => {
  test('one line per direction, and a non-zero result when any failed', () => {
    const said: string[] = [];
    const code = report(
      [
        { name: 'Java gRPC → PHP (php -S)', ok: true, detail: 'java grpc client: 8 passed, 0 failed' },
        { name: 'Java Thrift → PHP (php-fpm)', ok: false, detail: 'not run' },
      ],
      (l) => said.push(l),
    );
    expect(code).toBe(1);
    expect(said).toEqual([
      'directions:',
      '  ok      Java gRPC → PHP (php -S)     java grpc client: 8 passed, 0 failed',
      '  FAILED  Java Thrift → PHP (php-fpm)  not run',
      '1 of 2 failed',
    ]);
    expect(report([{ name: 'a', ok: true, detail: '' }], () => undefined)).toBe(0);
  });

  test("a client's summary is its last count line, else its first line", () => {
    expect(summaryOf('x: call -> ok\nx: 3 passed, 1 failed\n')).toBe('x: 3 passed, 1 failed');
    expect(summaryOf('Exception in thread "main" java.lang.IllegalArgumentException\n\tat …')).toBe('Exception in thread "main" java.lang.IllegalArgumentException');
  });
});

describe('the demo trace collector', () => {
  let collector: TraceCollector;
  beforeEach(async () => {
    collector = await TraceCollector.start();
  });
  afterEach(() => collector.stop());

  const post = (body: string, type = 'application/json') => fetch(`${collector.endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': type }, body });
  const spans = (app: string, traceId: string, n = 1) =>
    JSON.stringify({
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: app } }] }, scopeSpans: [{ spans: Array.from({ length: n }, () => ({ traceId, name: 'x' })) }] }],
    });

  test('tells which apps sent spans of a trace, once enough have come', async () => {
    const apps = collector.waitForApps('t1', 2, 5000);
    expect((await post(spans('java-app', 't1'))).status).toBe(200);
    expect(collector.appsIn('t1')).toEqual(['java-app']);
    await post(spans('catalog-php', 't1'));
    await expect(apps).resolves.toEqual(['catalog-php', 'java-app']);
    expect(collector.env()).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
  });

  test('names the apps it saw when the others never come', async () => {
    await post(spans('java-app', 't2'));
    await expect(collector.waitForApps('t2', 2, 50)).rejects.toThrow('spans of trace t2 came from java-app only');
  });

  test('keeps a bounded window of spans', async () => {
    await post(spans('old', 't3'));
    await post(spans('new', 't4', 2000));
    expect(collector.appsIn('t3')).toEqual([]);
    expect(collector.appsIn('t4')).toEqual(['new']);
  });

  test('refuses what is not OTLP/HTTP JSON', async () => {
    expect((await post('x', 'application/x-protobuf')).status).toBe(415);
    expect((await post('{not json')).status).toBe(400);
    expect((await post('{"resourceSpans": 5}')).status).toBe(400);
  });
});
