import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as protobuf from 'protobufjs';
import { compileProto } from '../adapters/grpc/proto-compile';
import { compileThrift } from '../adapters/thrift/thrift-compile';
import type { GrpcMethod } from '../adapters/grpc/grpc-model';
import type { ThriftMethod } from '../adapters/thrift/thrift-model';
import { parseJson } from '../src/json/parse-json';
import { apacheItem } from './clients/thrift-client';
import { benchProto, benchService, thriftFixtures, thriftGenDir, thriftService } from './paths';
import { itemJson, itemJsonInt64AsString, thriftArgsJson, BIG_ID } from './payload';
import { Spread, spread } from './stats';

/* eslint-disable @typescript-eslint/no-require-imports */

/**
 * In-process microbenchmark of the sidecar's converters (src/codec) on the bench message,
 * each against the obvious library route: JSON.parse + protobufjs fromObject/encode, protobufjs
 * decode/toObject + JSON.stringify, and Apache Thrift's generated code. Mesh and baseline run
 * alternately, each repetition a fixed number of operations after a warm-up.
 */
export interface ConversionCase {
  readonly name: string;
  readonly what: string;
  readonly baseline: string;
  readonly meshUsPerOp: Spread;
  readonly baselineUsPerOp: Spread;
  /** mesh time / baseline time per repetition: at most 1 means the mesh is no slower. */
  readonly ratio: Spread;
}

type Op = () => unknown;

let sink: unknown;

function timeUs(op: Op, ops: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) sink = op();
  return Number(process.hrtime.bigint() - t0) / 1000 / ops;
}

/** Operations for about `targetMs` per run, from a short trial. */
function calibrate(op: Op, targetMs: number): number {
  let ops = 100;
  for (;;) {
    const us = timeUs(op, ops);
    if (us * ops > 20_000 || ops >= 1_000_000) return Math.max(100, Math.round((targetMs * 1000) / us));
    ops *= 4;
  }
}

function compare(name: string, what: string, baseline: string, mesh: Op, base: Op, reps: number, targetMs: number): ConversionCase {
  const meshOps = calibrate(mesh, targetMs);
  const baseOps = calibrate(base, targetMs);
  const m: number[] = [];
  const b: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < reps; i++) {
    const mu = timeUs(mesh, meshOps);
    const bu = timeUs(base, baseOps);
    m.push(mu);
    b.push(bu);
    r.push(mu / bu);
  }
  void sink;
  return { name, what, baseline, meshUsPerOp: spread(m), baselineUsPerOp: spread(b), ratio: spread(r) };
}

function protoCases(reps: number, targetMs: number): ConversionCase[] {
  const files = { 'bench.proto': readFileSync(benchProto, 'utf8') };
  const { root, bundle } = compileProto(files);
  const method = bundle.services.find((s) => s.name === benchService)!.methods.get('Put') as GrpcMethod;
  const Item = root.lookupType('bench.v1.Item') as protobuf.Type;
  const bare = itemJson();
  const asString = itemJsonInt64AsString();
  const bytes = method.request.encode(parseJson(bare));
  const strings = { int64AsNumber: false };
  const toObjectOpts = { longs: String, enums: String };
  // The converters must agree on the bytes before their speed means anything.
  const meshOut = JSON.parse(method.response.toJson(bytes, strings));
  if (meshOut.id !== BIG_ID.toString() || meshOut.children.length !== 4) throw new Error(`proto round trip is wrong: ${JSON.stringify(meshOut)}`);
  return [
    compare('proto JSON→binary (int64 bare)', 'codec.encode(parseJson(text)), id a bare number > 2^53', 'Item.encode(Item.fromObject(JSON.parse(text))).finish() (rounds the id)', () => method.request.encode(parseJson(bare)), () => Item.encode(Item.fromObject(JSON.parse(bare))).finish(), reps, targetMs),
    compare('proto JSON→binary (int64 string)', 'codec.encode(parseJson(text)), id a JSON string', 'Item.encode(Item.fromObject(JSON.parse(text))).finish()', () => method.request.encode(parseJson(asString)), () => Item.encode(Item.fromObject(JSON.parse(asString))).finish(), reps, targetMs),
    // Not a goal: splits the JSON→binary figures into parsing and converting.
    compare('parse only (int64 bare)', 'parseJson(text): the exact parser, since the text holds a 16-digit run', 'JSON.parse(text) (rounds the id)', () => parseJson(bare), () => JSON.parse(bare), reps, targetMs),
    compare('parse only (int64 string)', 'parseJson(text): JSON.parse underneath', 'JSON.parse(text)', () => parseJson(asString), () => JSON.parse(asString), reps, targetMs),
    compare('proto binary→JSON', "codec.toJson(bytes, {int64AsNumber:false})", 'JSON.stringify(Item.toObject(Item.decode(bytes), {longs:String, enums:String}))', () => method.response.toJson(bytes, strings), () => JSON.stringify(Item.toObject(Item.decode(bytes), toObjectOpts)), reps, targetMs),
  ];
}

function thriftCases(reps: number, targetMs: number): ConversionCase[] {
  const thrift = require('thrift');
  const shop = require(`${thriftGenDir}/shop_types`);
  const files = { 'shop.thrift': readFileSync(join(thriftFixtures, 'shop.thrift'), 'utf8'), 'common.thrift': readFileSync(join(thriftFixtures, 'common.thrift'), 'utf8') };
  const svc = compileThrift(files, ['shop.thrift']).services.find((s) => s.name === thriftService)!;
  const method = svc.methods.get('put') as ThriftMethod;
  const args = thriftArgsJson(itemJson());
  // Apache's generated code takes enums as numbers and knows nothing of JSON: its input has numbers.
  const native = itemJson().replace(/"GREEN"/g, '2').replace(/"RED"/g, '1');

  const apacheWrite = (item: { write(p: unknown): void }): Buffer => {
    let out: Buffer | undefined;
    const t = new thrift.TBufferedTransport(undefined, (b: Buffer) => (out = b));
    item.write(new thrift.TBinaryProtocol(t));
    t.flush();
    return out!;
  };
  const toItem = (o: any): unknown => new shop.Item({ ...o, children: o.children?.map(toItem) });
  // `put_result` with the item in field 0 (STRUCT): what the provider's reply carries.
  const itemBytes = apacheWrite(apacheItem(thriftGenDir, BIG_ID) as { write(p: unknown): void });
  const resultBytes = Buffer.concat([Buffer.from([12, 0, 0]), itemBytes, Buffer.from([0])]);
  const strings = { int64AsNumber: false };
  const int64 = (_k: string, v: unknown) => (v instanceof thrift.Int64 ? thrift.toBigInt(v).toString() : v);
  const apacheRead = () => {
    const t = new thrift.TBufferedTransport();
    t.inBuf = resultBytes;
    t.readCursor = 3;
    t.writeCursor = resultBytes.length;
    const item = new shop.Item();
    item.read(new thrift.TBinaryProtocol(t));
    return JSON.stringify(item, int64);
  };
  const meshOut = JSON.parse(method.decodeResult(resultBytes, 'binary', strings));
  if (meshOut.id !== BIG_ID.toString() || meshOut.children.length !== 4 || meshOut.color !== 'GREEN') throw new Error(`thrift decode is wrong: ${JSON.stringify(meshOut)}`);
  const encoded = method.encodeArgs(parseJson(args), 'binary');
  if (!encoded.subarray(3, 3 + itemBytes.length).equals(itemBytes)) throw new Error('the mesh and Apache Thrift encode the item differently');
  return [
    compare('thrift JSON→binary', "encodeArgs(parseJson(text), 'binary'), id a bare number > 2^53", 'new Item(JSON.parse(text)).write(TBinaryProtocol) (Apache generated code, enums as numbers)', () => method.encodeArgs(parseJson(args), 'binary'), () => apacheWrite(toItem(JSON.parse(native)) as { write(p: unknown): void }), reps, targetMs),
    compare('thrift binary→JSON', "decodeResult(bytes, 'binary', {int64AsNumber:false})", 'Item.read(TBinaryProtocol) + JSON.stringify (i64 replacer)', () => method.decodeResult(resultBytes, 'binary', strings), apacheRead, reps, targetMs),
  ];
}

export function runConversion(reps: number, targetMs: number): { messageBytes: { json: number; proto: number; thrift: number }; cases: ConversionCase[] } {
  const files = { 'bench.proto': readFileSync(benchProto, 'utf8') };
  const method = compileProto(files).bundle.services[0].methods.get('Put') as GrpcMethod;
  const thriftLen = (() => {
    const svc = compileThrift({ 'shop.thrift': readFileSync(join(thriftFixtures, 'shop.thrift'), 'utf8'), 'common.thrift': readFileSync(join(thriftFixtures, 'common.thrift'), 'utf8') }, ['shop.thrift']).services.find((s) => s.name === thriftService)!;
    return (svc.methods.get('put') as ThriftMethod).encodeArgs(parseJson(thriftArgsJson(itemJson())), 'binary').length;
  })();
  return {
    messageBytes: { json: Buffer.byteLength(itemJson()), proto: method.request.encode(parseJson(itemJson())).length, thrift: thriftLen },
    cases: [...protoCases(reps, targetMs), ...thriftCases(reps, targetMs)],
  };
}
