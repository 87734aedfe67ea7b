import type { ExampleMesh } from './example-mesh';
import { spawnProc, type LogLine, type Proc } from './processes';
import type { DirectionResult } from './directions';
import type { TraceCollector } from './trace-collector';

/**
 * What the mesh recorded of the Java callers' calls: `transmesh logs --json`, followed while they
 * run, as an operator would. Each call shows up twice, the consumer's outbound record and the
 * provider's inbound one, under one trace id: the trace crossed both sidecars and reached PHP
 * (which gets the `traceparent` header); with the demo's collector, both sidecars' spans of it came.
 */
export class MeshTrail {
  private constructor(
    private readonly logs: Proc,
    private readonly collector: TraceCollector | undefined,
  ) {}

  static async follow(mesh: ExampleMesh, caller: string, collector: TraceCollector | undefined): Promise<MeshTrail> {
    const logs = spawnProc('transmesh logs', process.execPath, [...mesh.cli, 'logs', '--json', '--caller', caller, '--nats', mesh.config.nats]);
    mesh.tree.adopt(logs);
    await logs.waitFor((l) => /following access-log records/.test(l.msg), 'transmesh logs to follow');
    return new MeshTrail(logs, collector);
  }

  /** Waits for a call of `service` recorded on both sides under one trace id, says it, and stops following. */
  async traced(service: string, timeoutMs = 15000): Promise<DirectionResult> {
    const name = `traces and access log: ${service}`;
    try {
      await this.logs.waitFor(() => this.pair(service) !== undefined, `a traced call of ${service} on both sidecars`, timeoutMs);
      const [out, inb] = this.pair(service)!;
      const apps = this.collector ? `; spans from ${(await this.collector.waitForApps(out.traceId, 2, timeoutMs)).join(' and ')}` : '';
      return { name, ok: true, detail: `trace ${out.traceId}: ${out.caller} → ${out.method} ${out.code}, outbound ${out.durationMs} ms [${out.subset ?? '-'}], inbound ${inb.durationMs} ms${apps}` };
    } catch (err) {
      return { name, ok: false, detail: (err as Error).message.split('\n')[0]! };
    }
  }

  async stop(): Promise<void> {
    await this.logs.stop();
  }

  private pair(service: string): [LogLine, LogLine] | undefined {
    const records = this.logs.lines.filter((l) => l.stream === 'stdout' && l.service === service && l.traceId && l.code === 'OK');
    for (const out of records.filter((r) => r.direction === 'outbound')) {
      const inb = records.find((r) => r.direction === 'inbound' && r.traceId === out.traceId);
      if (inb) return [out, inb];
    }
    return undefined;
  }
}
