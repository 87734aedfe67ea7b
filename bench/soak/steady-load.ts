import http from 'node:http';

/** The calls of the mix: JSON to the gRPC example (users) and the Thrift example (orders). */
const mix = [
  { path: '/acme.users.v1.UserService/GetUser', body: '{"id": 1}' },
  { path: '/acme.users.v1.UserService/ListUsers', body: '{"pageSize": 2}' },
  { path: '/orders.OrderService/getOrder', body: '{"id": 1001}' },
];

/**
 * Open-loop load on the consumer sidecar: a call every 1/rate s whatever the earlier ones do,
 * round-robin over the mix, counted (not kept) so a run of hours holds no per-call state.
 */
export class SteadyLoad {
  ok = 0;
  failed = 0;
  /** Failures by HTTP status or error code, with one example body. */
  readonly failures = new Map<string, { count: number; example: string }>();
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

  constructor(
    private readonly url: string,
    private readonly ratePerSec: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.one(), 1000 / this.ratePerSec);
  }

  stop(): void {
    clearInterval(this.timer);
    this.agent.destroy();
  }

  private one(): void {
    const call = mix[this.next++ % mix.length];
    const req = http.request(`${this.url}${call.path}`, { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? this.ok++ : this.fail(`${call.path} HTTP ${res.statusCode}`, Buffer.concat(chunks).toString().slice(0, 200))));
      res.on('error', (err) => this.fail(`${call.path} ${err.message}`, ''));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => this.fail(`${call.path} ${(err as NodeJS.ErrnoException).code ?? err.message}`, ''));
    req.end(call.body);
  }

  private fail(key: string, example: string): void {
    this.failed++;
    const f = this.failures.get(key);
    if (f) f.count++;
    else this.failures.set(key, { count: 1, example });
  }
}
