/** What the soak uses of the WHATWG WebSocket (global on Node 22; `--experimental-websocket` on 20). */
interface Socket {
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'error' | 'close', f: () => void): void;
  addEventListener(type: 'message', f: (e: { data: unknown }) => void): void;
}

/**
 * A process's retained V8 heap, read through its inspector (it runs with `--inspect=127.0.0.1:0`):
 * a full garbage collection (`HeapProfiler.collectGarbage`), then `Runtime.getHeapUsage`. A
 * heap sampled at random moments is a garbage collector's sawtooth, whose period can be minutes;
 * the heap left after a full collection is what a leak grows.
 */
export class HeapProbe {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  private constructor(private readonly ws: Socket) {
    ws.addEventListener('message', (e) => {
      const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id!);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    });
    ws.addEventListener('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('inspector closed'));
      this.pending.clear();
    });
  }

  static connect(url: string): Promise<HeapProbe> {
    const Ws = (globalThis as { WebSocket?: new (url: string) => Socket }).WebSocket;
    if (!Ws) throw new Error('no global WebSocket: run the soak on Node 22, or Node 20 with --experimental-websocket');
    const ws = new Ws(url);
    return new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(new HeapProbe(ws)));
      ws.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${url}`)));
    });
  }

  /** MB of V8 heap in use after a full collection. */
  async retainedMb(timeoutMs = 10_000): Promise<number> {
    await this.send('HeapProfiler.collectGarbage', timeoutMs);
    const usage = (await this.send('Runtime.getHeapUsage', timeoutMs)) as { usedSize: number };
    return usage.usedSize / 1048576;
  }

  /**
   * Timers alive in the process (ref'd or not: a leaked unref'd interval keeps no loop alive but
   * still grows): every `Timeout` object still on the heap that was neither cleared nor fired.
   * Read after `retainedMb` (a full collection), so dead ones are gone; found by their prototype
   * (`Runtime.queryObjects`), since timers are not reachable from one root.
   */
  async timers(timeoutMs = 10_000): Promise<number> {
    const proto = (await this.send('Runtime.evaluate', timeoutMs, { expression: '(() => { const t = setTimeout(() => {}, 0); clearTimeout(t); return Object.getPrototypeOf(t); })()' })) as { result: { objectId: string } };
    const all = (await this.send('Runtime.queryObjects', timeoutMs, { prototypeObjectId: proto.result.objectId })) as { objects: { objectId: string } };
    const count = (await this.send('Runtime.callFunctionOn', timeoutMs, {
      objectId: all.objects.objectId,
      functionDeclaration: 'function () { return this.filter((t) => !t._destroyed).length; }',
      returnByValue: true,
    })) as { result: { value: number } };
    await this.send('Runtime.releaseObjectGroup', timeoutMs, { objectGroup: 'soak' }).catch(() => undefined);
    return count.result.value;
  }

  close(): void {
    this.ws.close();
  }

  private send(method: string, timeoutMs: number, params?: Record<string, unknown>): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.ws.send(JSON.stringify({ id, method, params: params && { objectGroup: 'soak', ...params } }));
    });
  }
}
