import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as descriptor from 'protobufjs/ext/descriptor';
import { reflectionMessages } from '../../adapters/grpc/reflection-client';
import type { IFileDescriptorProto as FileDescriptorProto } from 'protobufjs/ext/descriptor';

/**
 * A grpc-js server with gRPC reflection (the v1alpha service only, as older servers have it) for
 * the given .proto files, whose descriptors are built by buf as protoc would build them. It
 * answers list_services, file_containing_symbol (the file alone: its dependencies are asked
 * for by name) and file_by_filename, the way @grpc/reflection does.
 */

export async function startReflectionServer(files: Record<string, string>): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-reflect-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  execFileSync(require.resolve('@bufbuild/buf/bin/buf'), ['build', dir, '-o', join(dir, 'out.binpb')]);
  const set = descriptor.FileDescriptorSet.decode(readFileSync(join(dir, 'out.binpb'))) as unknown as { file: FileDescriptorProto[] };
  rmSync(dir, { recursive: true, force: true });
  const byName = new Map(set.file.map((f) => [f.name!, Buffer.from(descriptor.FileDescriptorProto.encode(f).finish())]));
  const services = set.file.filter((f) => files[f.name!] !== undefined).flatMap((f) => (f.service ?? []).map((s) => ({ name: `${f.package}.${s.name}`, file: f.name! })));

  const { Request: Req, Response: Res } = reflectionMessages('grpc.reflection.v1alpha');
  const answer = (req: Record<string, unknown>): Record<string, unknown> => {
    if (req.list_services !== undefined) return { list_services_response: { service: [...services.map((s) => ({ name: s.name })), { name: 'grpc.reflection.v1alpha.ServerReflection' }] } };
    const symbol = req.file_containing_symbol as string | undefined;
    const file = symbol !== undefined ? services.find((s) => s.name === symbol)?.file : (req.file_by_filename as string | undefined);
    const bytes = file !== undefined ? byName.get(file) : undefined;
    if (!bytes) return { error_response: { error_code: 5, error_message: `not found: ${symbol ?? String(req.file_by_filename)}` } };
    return { file_descriptor_response: { file_descriptor_proto: [bytes] } };
  };
  const server = new grpc.Server();
  server.addService(
    {
      ServerReflectionInfo: {
        path: '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
        requestStream: true,
        responseStream: true,
        requestSerialize: (o: object) => Buffer.from(Req.encode(o).finish()),
        requestDeserialize: (b: Buffer) => Req.toObject(Req.decode(b)),
        responseSerialize: (o: object) => Buffer.from(Res.encode(Res.fromObject(o)).finish()),
        responseDeserialize: (b: Buffer) => Res.decode(b),
      },
    },
    {
      ServerReflectionInfo: (call: grpc.ServerDuplexStream<Record<string, unknown>, Record<string, unknown>>) => {
        call.on('data', (req: Record<string, unknown>) => call.write(answer(req)));
        call.on('end', () => call.end());
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { port, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}
