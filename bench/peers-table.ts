import { type ComparedRow, compareRows, type ComparedWindow } from './compare';
import { DIRECT_GRPC, PEER_MESH } from './extra-runs';
import { NATIVE_DIRECT, NATIVE_MESH, NATIVE_NGINX } from './native-grpc';
import { GATEWAY, NGINX_GRPC_PASS } from './peers';
import { PHP_MESH, PHP_MESH_JSON, PHP_NGINX } from './php-provider';
import { table } from './report';
import { fmtSpread } from './stats';

/**
 * `--peers` in one table: for each kind of caller, the mesh and the peers in front of the same
 * service, each family driven by one client (JSON: the HTTP/JSON client for the mesh and
 * grpc-gateway, grpc-js for nginx grpc_pass and direct; native gRPC: ghz for all; FastCGI: the
 * same PHP-FPM pool configuration behind each). The full per-process tables follow it.
 */
export interface PeerFamily {
  readonly name: string;
  /** Paths in the order printed; a path without windows is printed as left out. */
  readonly paths: string[];
  readonly windows: ComparedWindow[] | undefined;
  readonly missing: string[];
}

export function peerFamilies(peers?: { windows: ComparedWindow[]; missing: string[] }, native?: { windows: ComparedWindow[]; missing: string[] }, php?: { windows: ComparedWindow[]; missing: string[] }): PeerFamily[] {
  return [
    { name: 'JSON → gRPC', paths: [PEER_MESH, GATEWAY, NGINX_GRPC_PASS, DIRECT_GRPC], windows: peers?.windows, missing: peers?.missing ?? [] },
    { name: 'native gRPC (ghz)', paths: [NATIVE_MESH, NATIVE_NGINX, NATIVE_DIRECT], windows: native?.windows, missing: native?.missing ?? [] },
    { name: 'FastCGI (PHP-FPM)', paths: [PHP_MESH, PHP_MESH_JSON, PHP_NGINX], windows: php?.windows, missing: php?.missing ?? [] },
  ];
}

function cells(closed: ComparedRow | undefined, open: ComparedRow | undefined): string[] {
  if (!closed && !open) return ['left out', '', '', '', ''];
  return [
    closed ? fmtSpread(closed.callsPerSec, 0) : '-',
    open ? `${fmtSpread(open.p50Ms, 2)}${open.overloaded ? ' OVERLOADED' : ''}` : '-',
    open ? fmtSpread(open.p99Ms, 2) : '-',
    open ? fmtSpread(open.hopUsPerCall, 0) : '-',
    closed ? fmtSpread(closed.hopUsPerCall, 0) : '-',
  ];
}

export function peersSideBySide(families: PeerFamily[], rate: number): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const f of families) {
    if (!f.windows) {
      rows.push([`${f.name}: not run`, '', '', '', '', '']);
      continue;
    }
    const byKey = new Map(compareRows(f.windows).map((r) => [`${r.kind} ${r.path}`, r]));
    for (const p of f.paths) rows.push([`${f.name}: ${p}`, ...cells(byKey.get(`closed ${p}`), byKey.get(`open ${p}`))]);
    notes.push(...f.missing.map((m) => `left out (${f.name}): ${m}`));
  }
  const head = ['path', 'calls/s closed', `p50 ms at ${rate}/s`, `p99 ms at ${rate}/s`, `hop CPU µs/call at ${rate}/s`, 'hop CPU µs/call closed'];
  const title = `Peers side by side: the mesh and its peers in front of the same service, per kind of caller (median [min..max]; hop = the processes between client and service; 1000 µs/call = 1 vCPU per 1000 calls/s)`;
  return [title, table(head, rows), ...notes].join('\n');
}
