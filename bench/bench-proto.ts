import { readFileSync } from 'node:fs';
import * as protobuf from 'protobufjs';
import { benchProto } from './paths';

/** bench.proto as protobufjs reflection: what the provider and the direct client use. */
export function loadBenchRoot(): protobuf.Root {
  const root = protobuf.parse(readFileSync(benchProto, 'utf8'), { keepCase: false }).root;
  root.resolveAll();
  return root;
}
