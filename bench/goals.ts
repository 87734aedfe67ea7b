import { type ComparedWindow, pairedRatio } from './compare';
import type { Protocol } from './end-to-end';
import { DIRECT_GRPC, PEER_MESH } from './extra-runs';
import { nativeGoals } from './native-grpc';
import { GATEWAY, NGINX_GRPC_PASS } from './peers';
import { phpGoals } from './php-provider';
import { spread } from './stats';
import { streamingRatio, type StreamingFigures } from './streaming';
import type { CostFigures, Goal, LatencyFigures, ThroughputFigures } from './summary';

/**
 * Issue 23's goals, one row each, always all of them: a part of the run that did not run gives
 * its rows with the reason ("not run (--peers)") instead of leaving them out. Judged on medians
 * over repetitions; ratios paired per repetition.
 */

/** A part of the run that did not run, and why (the flag that runs it, or what was missing). */
export interface NotRun {
  readonly notRun: string;
}
export type Part<T> = T | NotRun;

function ran<T>(p: Part<T>): p is T {
  return !(typeof p === 'object' && p !== null && 'notRun' in p);
}

/** The main gRPC and Thrift windows: mesh (HTTP/JSON, two sidecars) against direct. */
export interface MainFigures {
  readonly tp: Record<Protocol, ThroughputFigures>;
  readonly lat: Record<Protocol, LatencyFigures>;
  readonly cost: Record<Protocol, CostFigures>;
}

/** Windows of a side-by-side run and the paths it had to leave out (`missing`: "name: why"). */
export interface ComparedRun {
  readonly windows: ComparedWindow[];
  readonly missing: string[];
}

/** Peak RSS of each sidecar (MB), and what was on while it was reached. */
export interface MemoryFigures {
  readonly consumerSidecar: number;
  readonly providerSidecar: number;
  /** e.g. "features run: peer hop mTLS, policy, tracing, access log". */
  readonly label: string;
  /** False when not every feature was on: the figures are shown, not judged. */
  readonly judged: boolean;
}

export interface Issue23Inputs {
  readonly rate: number;
  readonly main: Part<MainFigures>;
  readonly streaming: Part<StreamingFigures>;
  readonly peers: Part<ComparedRun>;
  readonly native: Part<ComparedRun>;
  readonly php: Part<ComparedRun>;
  readonly memory: Part<MemoryFigures>;
}

const judged = (goal: string, target: string, value: number, ok: (v: number) => boolean): Goal => ({ goal, target, value, met: Number.isNaN(value) ? false : ok(value) });
const notRun = (goal: string, target: string, why: string): Goal => ({ goal, target, value: NaN, note: `not run (${why})` });

/** Both sidecars' CPU per call at the fixed rate over grpc-gateway's plus nginx grpc_pass's, paired per repetition. */
export function againstGatewayPlusNginx(windows: ComparedWindow[]): number {
  const open = windows.filter((w) => w.kind === 'open');
  const ratios: number[] = [];
  for (const m of open.filter((w) => w.path === PEER_MESH)) {
    const gw = open.find((w) => w.path === GATEWAY && w.rep === m.rep);
    const ng = open.find((w) => w.path === NGINX_GRPC_PASS && w.rep === m.rep);
    if (gw && ng) ratios.push(m.usPerCall.hop / (gw.usPerCall.hop + ng.usPerCall.hop));
  }
  return spread(ratios).median;
}

function jsonGoals(i: Issue23Inputs): Goal[] {
  const at = `at ${i.rate}/s`;
  const out: Goal[] = [];
  const gateway = 'JSON→gRPC calls/s, mesh / grpc-gateway (paired)';
  const below = `JSON→gRPC both sidecars' CPU per call / (grpc-gateway + nginx grpc_pass) (${at})`;
  const peers = i.peers;
  const gwMissing = ran(peers) ? peers.missing.find((m) => m.startsWith(`${GATEWAY}:`)) : undefined;
  const ngMissing = ran(peers) ? peers.missing.find((m) => m.startsWith(`${NGINX_GRPC_PASS}:`)) : undefined;
  if (!ran(peers)) out.push(notRun(gateway, '>= 1.25', peers.notRun));
  else if (gwMissing) out.push(notRun(gateway, '>= 1.25', gwMissing));
  else out.push(judged(gateway, '>= 1.25', pairedRatio(peers.windows, 'closed', PEER_MESH, GATEWAY, (w) => w.rate).median, (v) => v >= 1.25));

  const main = i.main;
  const overloaded = ran(main) && main.lat.grpc.overloaded ? ', OVERLOADED' : '';
  const rows: Array<[string, string, (m: MainFigures) => number, (v: number) => boolean]> = [
    [`JSON→gRPC consumer sidecar vCPU per 1000 calls/s (${at})`, '<= 0.25', (m) => m.cost.grpc.consumerSidecar?.vcpuPer1000.median ?? NaN, (v) => v <= 0.25],
    [`JSON→gRPC provider sidecar vCPU per 1000 calls/s (${at})`, '<= 0.20', (m) => m.cost.grpc.providerSidecar?.vcpuPer1000.median ?? NaN, (v) => v <= 0.2],
  ];
  for (const [goal, target, f, ok] of rows) out.push(ran(main) ? judged(goal, target, f(main), ok) : notRun(goal, target, main.notRun));
  if (!ran(peers)) out.push(notRun(below, '< 1', peers.notRun));
  else if (gwMissing || ngMissing) out.push(notRun(below, '< 1', (gwMissing ?? ngMissing)!));
  else out.push(judged(below, '< 1', againstGatewayPlusNginx(peers.windows), (v) => v < 1));
  const latency: Array<[string, string, (m: MainFigures) => number, number]> = [
    [`JSON→gRPC added p50 per hop (ms, ${at}${overloaded})`, '<= 0.2', (m) => m.lat.grpc.addedPerHopMs.p50.median, 0.2],
    [`JSON→gRPC added p99 per hop (ms, ${at}${overloaded})`, '<= 1', (m) => m.lat.grpc.addedPerHopMs.p99.median, 1],
  ];
  for (const [goal, target, f, max] of latency) out.push(ran(main) ? judged(goal, target, f(main), (v) => v <= max) : notRun(goal, target, main.notRun));
  const direct = `JSON→gRPC calls/s, mesh / ${DIRECT_GRPC} (paired)`;
  out.push(ran(main) ? { goal: direct, target: 'reported', value: main.tp.grpc.ratio.median } : notRun(direct, 'reported', main.notRun));
  return out;
}

/** Every goal of issue 23, in the issue's order. */
export function issue23Goals(i: Issue23Inputs): Goal[] {
  const out = jsonGoals(i);
  out.push(...(ran(i.native) ? nativeGoals(i.native.windows, i.rate, i.native.missing[0]) : nativeGoals([], i.rate, i.native.notRun)));
  const stream = 'native gRPC server streaming msg/s, mesh / direct (paired)';
  out.push(ran(i.streaming) ? judged(stream, '>= 0.8', streamingRatio(i.streaming).median, (v) => v >= 0.8) : notRun(stream, '>= 0.8', i.streaming.notRun));
  const thrift = 'Thrift calls/s, mesh / direct Apache Thrift client (paired)';
  out.push(ran(i.main) ? judged(thrift, '>= 0.75', i.main.tp.thrift.ratio.median, (v) => v >= 0.75) : notRun(thrift, '>= 0.75', i.main.notRun));
  out.push(...(ran(i.php) ? phpGoals(i.php.windows, i.rate, i.php.missing[0]) : phpGoals([], i.rate, i.php.notRun)));
  for (const side of ['consumer', 'provider'] as const) {
    const m = i.memory;
    if (!ran(m)) {
      out.push(notRun(`${side} sidecar peak RSS (MB)`, '<= 64', m.notRun));
      continue;
    }
    const value = side === 'consumer' ? m.consumerSidecar : m.providerSidecar;
    const goal = `${side} sidecar peak RSS (MB; ${m.label})`;
    out.push(m.judged ? judged(goal, '<= 64', value, (v) => v <= 64) : { goal, target: '<= 64', value, note: 'not judged: not every feature on (--features)' });
  }
  return out;
}
