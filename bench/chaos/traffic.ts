import http from 'node:http';

export interface CallRecord {
  /** ms since the traffic started. */
  start: number;
  end: number;
  ok: boolean;
  /** The provider that served it (the bench provider's --name), or the error. */
  server?: string;
  error?: string;
}

/**
 * Steady open-loop traffic against the consumer sidecar: a call every 1/rate s whatever the
 * previous ones do, each recorded with who served it, so a fault's window can be read afterwards.
 */
export class Traffic {
  readonly calls: CallRecord[] = [];
  private readonly t0 = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private idle: Array<() => void> = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly url: string,
    private readonly path: string,
    private readonly body: string,
    private readonly ratePerSec: number,
  ) {}

  now(): number {
    return performance.now() - this.t0;
  }

  start(): void {
    this.timer = setInterval(() => this.one(), 1000 / this.ratePerSec);
  }

  /** Stops sending and waits for the calls in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.inFlight) await new Promise<void>((r) => this.idle.push(r));
    this.agent.destroy();
  }

  /** Resolves when a call started at or after `since` was served by `server`; its start time. */
  async reached(server: string, since: number, timeoutMs: number): Promise<number | undefined> {
    const until = this.now() + timeoutMs;
    for (;;) {
      const hit = this.calls.find((c) => c.start >= since && c.server === server);
      if (hit) return hit.start;
      if (this.now() > until) return undefined;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Resolves once `n` calls started at or after `since` have ended (an event to wait on, not a sleep). */
  async ended(n: number, since: number): Promise<void> {
    while (this.calls.filter((c) => c.start >= since && c.end).length < n) await new Promise((r) => setTimeout(r, 50));
  }

  /** The calls started in [from, to), once every one of them has ended. */
  async window(from: number, to: number): Promise<{ calls: number; failed: number; errors: string[] }> {
    const inside = this.calls.filter((c) => c.start >= from && c.start < to);
    while (inside.some((c) => !c.end)) await new Promise((r) => setTimeout(r, 50));
    const failed = inside.filter((c) => !c.ok);
    return { calls: inside.length, failed: failed.length, errors: [...new Set(failed.map((c) => c.error ?? '?'))].slice(0, 3) };
  }

  private one(): void {
    const rec: CallRecord = { start: this.now(), end: 0, ok: false };
    this.calls.push(rec);
    this.inFlight++;
    const done = (ok: boolean, detail: string) => {
      rec.end = this.now();
      rec.ok = ok;
      if (ok) rec.server = detail;
      else rec.error = detail;
      if (--this.inFlight === 0) for (const r of this.idle.splice(0)) r();
    };
    const req = http.request(new URL(this.path, this.url), { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return done(false, `HTTP ${res.statusCode}: ${text.slice(0, 160)}`);
        try {
          done(true, String((JSON.parse(text) as { name?: unknown }).name));
        } catch {
          done(false, `unparsable reply: ${text.slice(0, 80)}`);
        }
      });
      res.on('error', (err) => done(false, err.message));
    });
    req.on('error', (err) => done(false, err.message));
    req.end(this.body);
  }
}
