import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as descriptor from 'protobufjs/ext/descriptor';
import type { IFileDescriptorProto as FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { decodeFileDescriptor, descriptorToProto } from '../../adapters/grpc/idl/proto-descriptor-text';
import { compareBundles } from '../../src/registry/idl-compat';
import { corpusDir } from '../helpers/compat-corpus';

/**
 * Descriptors as reflection serves them (built here by buf, as protoc would) written back as
 * .proto text must describe the same wire and JSON: the breaking-change rules find no change.
 */
describe('FileDescriptorProto to .proto text', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'transmesh-desc-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const built = (files: Record<string, string>): Map<string, Uint8Array> => {
    const src = mkdtempSync(join(dir, 'src-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(src, name, '..'), { recursive: true });
      writeFileSync(join(src, name), text);
    }
    const out = join(src, 'out.binpb');
    execFileSync(require.resolve('@bufbuild/buf/bin/buf'), ['build', src, '-o', out]);
    const set = descriptor.FileDescriptorSet.decode(readFileSync(out)) as unknown as { file: FileDescriptorProto[] };
    return new Map(set.file.map((f) => [f.name!, descriptor.FileDescriptorProto.encode(f).finish()]));
  };

  const roundTrip = (files: Record<string, string>, entry: string) => {
    const descs = built(files);
    const back: Record<string, string> = {};
    for (const name of Object.keys(files)) back[name] = descriptorToProto(decodeFileDescriptor(descs.get(name)!));
    const changes = compareBundles({ files, entries: [entry] }, { files: back, entries: [entry] }, { services: 'all' });
    return { back, changes };
  };

  test.each([['base.proto'], ['base2.proto']])('the corpus base %s comes back with no change at all', (base) => {
    const text = readFileSync(join(corpusDir, 'proto', base), 'utf8');
    const { changes } = roundTrip({ 'acme/compat/v1/compat.proto': text }, 'acme/compat/v1/compat.proto');
    expect(changes).toEqual([]);
  });

  test('the example users.proto, with its imports, comes back with no change', () => {
    const idl = join(__dirname, '..', '..', 'idl');
    const files = {
      'acme/users/v1/users.proto': readFileSync(join(idl, 'acme/users/v1/users.proto'), 'utf8'),
      'acme/common/v1/money.proto': readFileSync(join(idl, 'acme/common/v1/money.proto'), 'utf8'),
    };
    const { back, changes } = roundTrip(files, 'acme/users/v1/users.proto');
    expect(changes).toEqual([]);
    expect(back['acme/users/v1/users.proto']).toContain('import "google/protobuf/timestamp.proto";');
    expect(back['acme/users/v1/users.proto']).toContain('map<string, string> labels = 6;');
    expect(back['acme/users/v1/users.proto']).toContain('option idempotency_level = NO_SIDE_EFFECTS;');
  });

  test('json_name, proto3 optional, oneofs and reserved names survive', () => {
    const text = 'syntax = "proto3";\npackage t;\nmessage M {\n  optional int32 a_b = 1;\n  string c = 2 [json_name = "see"];\n  oneof o { string x = 3; int64 y = 4; }\n  reserved 7 to max;\n  reserved "old";\n}\nservice S { rpc G(M) returns (stream M); }\n';
    const { back, changes } = roundTrip({ 't.proto': text }, 't.proto');
    expect(changes).toEqual([]);
    expect(back['t.proto']).toContain('optional int32 a_b = 1;');
    expect(back['t.proto']).toContain('string c = 2 [json_name = "see"];');
    expect(back['t.proto']).toContain('reserved 7 to max;');
  });
});
