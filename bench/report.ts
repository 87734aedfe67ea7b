import type { ConversionCase } from './conversion';
import type { Protocol } from './end-to-end';
import type { ProfileResult } from './profile-run';
import { fmtSpread } from './stats';
import type { CostFigures, Goal, LatencyFigures, ThroughputFigures } from './summary';

/** The readable tables printed at the end of a run (the JSON file holds everything). */

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function throughputTable(tp: Record<Protocol, ThroughputFigures>, inFlight: number, hop: string): string {
  const rows = (Object.keys(tp) as Protocol[]).map((p) => [p, fmtSpread(tp[p].meshCallsPerSec, 0), fmtSpread(tp[p].directCallsPerSec, 0), fmtSpread(tp[p].ratio, 3)]);
  return `Throughput, ${inFlight} in flight, closed loop, peer hop ${hop} (calls/s; median [min..max])\n` + table(['protocol', 'mesh (HTTP/JSON, 2 sidecars)', 'direct', 'ratio mesh/direct'], rows);
}

export function latencyTable(lat: Record<Protocol, LatencyFigures>, connections: number, hop: string): string {
  const rows: string[][] = [];
  for (const p of Object.keys(lat) as Protocol[]) {
    const l = lat[p];
    for (const q of ['p50', 'p90', 'p99'] as const) rows.push([`${p} ${q}`, fmtSpread(l.meshMs[q], 3), fmtSpread(l.directMs[q], 3), fmtSpread(l.addedPerHopMs[q], 3)]);
  }
  const rate = Object.values(lat)[0]?.rate;
  const warnings = (Object.keys(lat) as Protocol[])
    .filter((p) => lat[p].overloaded)
    .map((p) => `\nWARNING: ${p} could not keep up with ${rate} calls/s (achieved: mesh ${fmtSpread(lat[p].meshAchievedRate, 0)}, direct ${fmtSpread(lat[p].directAchievedRate, 0)}): its latency is queueing, not the hop; rerun with a lower --rate.`);
  return `Latency at ${rate} calls/s open loop, ${connections} connections, peer hop ${hop} (ms; median [min..max])\n` + table(['', 'mesh', 'direct', 'added per hop'], rows) + warnings.join('');
}

export function costTable(cost: Record<Protocol, CostFigures>, direct: Record<Protocol, CostFigures> | undefined, idleRssMb: Record<string, number> | undefined, hop: string): string {
  const rows: string[][] = [];
  for (const p of Object.keys(cost) as Protocol[]) {
    const c = cost[p];
    for (const k of ['consumerSidecar', 'providerSidecar', p === 'grpc' ? 'grpcProvider' : 'thriftProvider', 'loadGenerator'] as const) {
      rows.push([`${p} mesh: ${k}`, fmtSpread(c[k].vcpuPer1000, 3), fmtSpread(c[k].rssMb, 1), Number.isNaN(c[k].peakRssMb) ? '' : c[k].peakRssMb.toFixed(1)]);
    }
    if (direct) {
      const d = direct[p];
      for (const k of [p === 'grpc' ? 'grpcProvider' : 'thriftProvider', 'loadGenerator'] as const) {
        rows.push([`${p} direct: ${k}`, fmtSpread(d[k].vcpuPer1000, 3), fmtSpread(d[k].rssMb, 1), Number.isNaN(d[k].peakRssMb) ? '' : d[k].peakRssMb.toFixed(1)]);
      }
    }
  }
  const idle = idleRssMb ? `\nRSS before any load (MB): ${Object.entries(idleRssMb).map(([k, v]) => `${k} ${v}`).join(', ')}` : '';
  return `Cost at the fixed rate, peer hop ${hop} (vCPU = CPU seconds per second, per 1000 calls/s; RSS at the end of the window)\n` + table(['process', 'vCPU per 1000/s', 'RSS MB', 'peak RSS MB'], rows) + idle;
}

export function conversionTable(cases: ConversionCase[], bytes: { json: number; proto: number; thrift: number }): string {
  const rows = cases.map((c) => [c.name, fmtSpread(c.meshUsPerOp, 2), fmtSpread(c.baselineUsPerOp, 2), fmtSpread(c.ratio, 2)]);
  return `Conversion per call, in process (µs per message; JSON ${bytes.json} B, protobuf ${bytes.proto} B, Thrift args ${bytes.thrift} B)\n` + table(['case', 'mesh (src/codec)', 'baseline', 'mesh/baseline'], rows);
}

/** A goal's verdict: met, NOT met, its note (not run, not judged), or nothing for a reported figure. */
export function verdict(g: Goal): string {
  if (g.note) return g.note;
  return g.met === undefined ? '' : g.met ? 'met' : 'NOT met';
}

export function goalsTable(gs: Goal[], title = 'Goals (medians)'): string {
  return `${title}\n` + table(['goal', 'target', 'value', ''], gs.map((g) => [g.goal, g.target, Number.isNaN(g.value) ? '-' : g.value.toFixed(3), verdict(g)]));
}

export function profileTable(r: ProfileResult, n = 12): string {
  const out: string[] = [];
  for (const side of ['consumerSidecar', 'providerSidecar'] as const) {
    const s = r[side];
    out.push(`Profile of the ${side} (${r.protocol}, ${r.callsPerSec.toFixed(0)} calls/s under --cpu-prof; busy ${s.busyMs} ms, idle ${s.idleMs} ms; ${s.file})`);
    out.push(table(['self time: function', 'where', '% busy'], s.topSelf.slice(0, n).map((h) => [h.name, h.where, h.percent.toFixed(1)])));
    out.push(table(['by module', '% busy'], s.byModule.slice(0, 10).map((h) => [h.name, h.percent.toFixed(1)])));
    out.push(table(['stage (inclusive)', '% busy'], s.stages.map((h) => [h.name, h.percent.toFixed(1)])));
  }
  return out.join('\n\n');
}
