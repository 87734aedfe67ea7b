import * as grpc from '@grpc/grpc-js';
import { loadBenchRoot } from './bench-proto';
import type { MeshEnv } from './mesh-env';
import type { BenchOptions } from './options';
import { benchService } from './paths';
import { itemForProtobufjs } from './payload';
import { fmtSpread, spread, type Spread } from './stats';

/** Native gRPC server streaming, direct and through the mesh: messages per second of one stream. */
export interface StreamingFigures {
  readonly messages: number;
  readonly messageBytes: number;
  /** Messages per second per repetition, in the order run (direct and mesh interleaved). */
  readonly direct: number[];
  readonly mesh: number[];
}

const identity = (b: Buffer): Buffer => b;

/** One server stream of `count` ~1 KB items read as fast as grpc-js reads; resolves with messages per second. */
function oneStream(address: string, request: Buffer, count: number): Promise<number> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<number>((resolve, reject) => {
    const started = performance.now();
    let n = 0;
    const call = client.makeServerStreamRequest(`/${benchService}/List`, identity, identity, request, new grpc.Metadata(), {});
    call.on('data', () => n++);
    call.on('error', reject);
    call.on('status', (s) => {
      if (s.code !== grpc.status.OK) return reject(new Error(`List ended ${s.code}: ${s.details}`));
      if (n !== count) return reject(new Error(`List sent ${n} of ${count} messages`));
      resolve(count / ((performance.now() - started) / 1000));
    });
  }).finally(() => client.close());
}

/** Server streaming through the mesh (a grpc-js caller on the consumer's --listen) against straight to the provider. */
export async function runStreaming(env: MeshEnv, opts: BenchOptions, progress: (m: string) => void): Promise<StreamingFigures> {
  const Item = loadBenchRoot().lookupType('bench.v1.Item');
  const messages = opts.quick ? 5000 : 50000;
  const item = Item.fromObject({ ...itemForProtobufjs(), count: messages });
  const request = Buffer.from(Item.encode(item).finish());
  const direct: number[] = [];
  const mesh: number[] = [];
  const meshAddress = new URL(env.consumerUrl).host;
  for (let rep = 0; rep < opts.reps; rep++) {
    progress(`server streaming, repetition ${rep + 1} of ${opts.reps}`);
    direct.push(await oneStream(`127.0.0.1:${env.grpcPort}`, request, messages));
    mesh.push(await oneStream(meshAddress, request, messages));
  }
  return { messages, messageBytes: request.length, direct, mesh };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

/** Mesh / direct messages per second, paired per repetition (they run back to back in each one). */
export function streamingRatio(f: StreamingFigures): Spread {
  return spread(f.mesh.map((m, i) => m / f.direct[i]).filter((r) => Number.isFinite(r)));
}

export function streamingTable(f: StreamingFigures): string {
  const row = (name: string, xs: number[]) => `  ${name.padEnd(8)} ${Math.round(median(xs)).toString().padStart(9)} msg/s  [${Math.round(Math.min(...xs))}..${Math.round(Math.max(...xs))}]`;
  return [
    `Native gRPC server streaming: one stream of ${f.messages} messages of ~${f.messageBytes} bytes, read as fast as grpc-js reads (median [min..max])`,
    row('direct', f.direct),
    row('mesh', f.mesh),
    `  ratio    ${fmtSpread(streamingRatio(f), 2)} (mesh / direct, paired per repetition)`,
  ].join('\n');
}
