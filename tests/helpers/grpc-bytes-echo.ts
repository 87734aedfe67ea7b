import * as grpc from '@grpc/grpc-js';

const identity = (b: Buffer): Buffer => b;

/** A real grpc-js server whose unary methods answer with the request's bytes, untouched. */
export async function startBytesEcho(service: string, methods: string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = new grpc.Server();
  const def: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const impl: grpc.UntypedServiceImplementation = {};
  for (const m of methods) {
    def[m] = { path: `/${service}/${m}`, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
    impl[m] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request);
  }
  server.addService(def, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}
