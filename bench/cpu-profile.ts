import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot } from './paths';

/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and says where the time went: self
 * time per function, inclusive time per function, and self time per module (a package under
 * node_modules, a folder of ours, Node's internals). Percentages are of busy time (idle excluded).
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly topSelf: HotSpot[];
  readonly topInclusive: HotSpot[];
  readonly byModule: HotSpot[];
  /** Inclusive time of the request path's stages (a stage nested in another counts in both). */
  readonly stages: HotSpot[];
}

/** The request path's stages, found by function name and file (lines move; names rarely do). */
export const STAGES: ReadonlyArray<{ label: string; fn: string; file: string }> = [
  { label: 'HTTP/1 request parsing (llhttp callbacks)', fn: 'parserOnHeadersComplete', file: 'node:_http_common' },
  { label: 'app-facing listener (whole outbound stack, synchronous part)', fn: '', file: 'dist/src/sidecar/outbound/http-listener.js' },
  { label: 'parseJson', fn: 'parseJson', file: 'dist/src/json/parse-json.js' },
  { label: 'proto JSON→binary (codec.encode)', fn: 'encode', file: 'dist/adapters/grpc/codec/proto-codec.js' },
  { label: 'proto binary→JSON (codec.toJson)', fn: 'toJson', file: 'dist/adapters/grpc/codec/proto-codec.js' },
  { label: 'Thrift JSON→binary (encodeArgs)', fn: 'encodeArgs', file: 'dist/adapters/thrift/codec/thrift-method.js' },
  { label: 'Thrift binary→JSON (decodeResult)', fn: '', file: 'dist/adapters/thrift/codec/thrift-method.js' },
  { label: 'mux peer call (MuxConnection.call)', fn: 'call', file: 'dist/src/sidecar/peer/mux-client.js' },
  { label: 'mux client frames in (MuxConnection.onFrame)', fn: 'onFrame', file: 'dist/src/sidecar/peer/mux-client.js' },
  { label: 'mux listener frames in (MuxSession.onFrame)', fn: 'onFrame', file: 'dist/src/sidecar/peer/mux-session.js' },
  { label: 'mux listener reply (MuxSession.reply)', fn: 'reply', file: 'dist/src/sidecar/peer/mux-session.js' },
  { label: 'HTTP/2 call (H2Client.exchange: HTTP/2 peer hop, gRPC service)', fn: 'exchange', file: 'dist/src/transport/grpc/h2-client.js' },
  { label: 'http2 session.request (Node)', fn: 'request', file: 'node:internal/http2/core' },
  { label: 'AsyncResource.bind in http2 request (Node 20)', fn: 'bind', file: 'node:async_hooks' },
  { label: 'inbound stream handler (PeerServer)', fn: 'onStream', file: 'dist/src/sidecar/peer/peer-server.js' },
  { label: 'inbound reply (writeReply)', fn: 'writeReply', file: 'dist/src/sidecar/peer/peer-reply.js' },
  { label: 'AbortSignal creation', fn: 'createAbortSignal', file: 'node:internal/abort_controller' },
  { label: 'Thrift upstream call', fn: 'call', file: 'dist/adapters/thrift/transport/thrift-upstream.js' },
  { label: 'metrics observe', fn: 'observe', file: 'dist/src/telemetry/metrics.js' },
  { label: 'socket writes (writev/writeBuffer)', fn: 'writevGeneric', file: 'node:internal/stream_base_commons' },
  { label: 'garbage collector', fn: '(garbage collector)', file: '' },
];

function stageOf(cf: CallFrame): number {
  for (let i = 0; i < STAGES.length; i++) {
    const st = STAGES[i];
    if (cf.functionName === st.fn && (st.file === '' ? cf.url === '' : cf.url.endsWith(st.file) || cf.url.startsWith(st.file))) return i;
  }
  return -1;
}

function where(cf: CallFrame): string {
  if (!cf.url) return '';
  const file = cf.url.startsWith('file://') ? relative(repoRoot, cf.url.slice(7)) : cf.url;
  return `${file}:${cf.lineNumber + 1}`;
}

/** A coarse owner of a frame: the npm package, our folder, or Node itself. */
function moduleOf(cf: CallFrame): string {
  const url = cf.url;
  if (!url) return cf.functionName.startsWith('(') ? cf.functionName : '(native/V8)';
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*$/, 'node:$1').replace(/^node:([^/]+).*$/, 'node:$1');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const ours = /\/dist\/((?:src|adapters)\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  if (ours) return ours[1];
  return relative(repoRoot, url.replace(/^file:\/\//, ''));
}

function top(map: Map<string, { name: string; where: string; us: number }>, busyUs: number, n: number): HotSpot[] {
  return [...map.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((e) => ({ name: e.name, where: e.where, ms: Math.round(e.us / 100) / 10, percent: Math.round((1000 * e.us) / busyUs) / 10 }));
}

/**
 * `window` (microseconds of the monotonic clock, as process.hrtime gives in any process on the
 * machine, which is the clock V8 stamps profiles with) keeps only the samples of the load,
 * not the start-up's module loading or the drain.
 */
export function summarizeProfile(file: string, window?: { fromUs: number; toUs: number }, n = 25): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of prof.nodes) byId.set(node.id, node);
  for (const node of prof.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const key = (cf: CallFrame) => `${cf.functionName}|${cf.url}|${cf.lineNumber}`;
  const self = new Map<string, { name: string; where: string; us: number }>();
  const incl = new Map<string, { name: string; where: string; us: number }>();
  const modules = new Map<string, { name: string; where: string; us: number }>();
  const stageUs = STAGES.map(() => 0);
  let idle = 0;
  let busy = 0;
  const add = (m: Map<string, { name: string; where: string; us: number }>, k: string, name: string, w: string, us: number) => {
    const e = m.get(k);
    if (e) e.us += us;
    else m.set(k, { name, where: w, us });
  };
  let at = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    at += prof.timeDeltas[i];
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    // A sample's time is the delta to the next one.
    const us = prof.timeDeltas[i + 1] ?? 0;
    const node = byId.get(prof.samples[i])!;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    add(self, key(cf), cf.functionName || '(anonymous)', where(cf), us);
    add(modules, moduleOf(cf), moduleOf(cf), '', us);
    const seen = new Set<string>();
    const stagesSeen = new Set<number>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      const st = stageOf(f);
      if (st >= 0 && !stagesSeen.has(st)) {
        stagesSeen.add(st);
        stageUs[st] += us;
      }
      const k = key(f);
      if (f.functionName === '(root)' || seen.has(k)) continue;
      seen.add(k);
      add(incl, k, f.functionName || '(anonymous)', where(f), us);
    }
  }
  return {
    file: relative(repoRoot, file),
    busyMs: Math.round(busy / 1000),
    idleMs: Math.round(idle / 1000),
    topSelf: top(self, busy, n),
    topInclusive: top(incl, busy, n),
    byModule: top(modules, busy, 15),
    stages: STAGES.map((st, i) => ({ name: st.label, where: st.fn ? `${st.fn} ${st.file}` : st.file, ms: Math.round(stageUs[i] / 1000), percent: Math.round((1000 * stageUs[i]) / busy) / 10 })).filter((h) => h.ms > 0),
  };
}
