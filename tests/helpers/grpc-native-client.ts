import * as grpc from '@grpc/grpc-js';

const identity = (b: Buffer): Buffer => b;

/** What a unary call ended with, as a gRPC caller sees it. */
export interface NativeResult {
  status: grpc.StatusObject;
  headers: grpc.Metadata | undefined;
  message: Buffer | undefined;
}

/**
 * A real grpc-js client (`createInsecure()`: HTTP/2 with prior knowledge, as grpc-java's
 * `usePlaintext()`) making unary calls with raw message bytes, so a test sees exactly what passed.
 */
export class NativeClient {
  readonly client: grpc.Client;

  constructor(address: string) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  unary(path: string, message: Buffer, metadata: Record<string, string | Buffer> = {}, deadlineMs?: number): Promise<NativeResult> {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    return new Promise((resolve) => {
      let headers: grpc.Metadata | undefined;
      let reply: Buffer | undefined;
      let status: grpc.StatusObject | undefined;
      let replied = false;
      const done = () => {
        if (status && replied) resolve({ status, headers, message: reply });
      };
      const options: grpc.CallOptions = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
      const call = this.client.makeUnaryRequest(path, identity, identity, message, md, options, (_err, value) => {
        reply = value;
        replied = true;
        done();
      });
      call.on('metadata', (m) => (headers = m));
      call.on('status', (s) => {
        status = s;
        done();
      });
    });
  }

  /** A server-streaming call: every message as it arrives, until `cancel()`. */
  serverStream(path: string, message: Buffer, onMessage: (m: Buffer) => void): { cancel(): void; status: Promise<grpc.StatusObject> } {
    const call = this.client.makeServerStreamRequest(path, identity, identity, message, new grpc.Metadata(), {});
    call.on('data', onMessage);
    call.on('error', () => undefined);
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    return { cancel: () => call.cancel(), status };
  }

  close(): void {
    this.client.close();
  }
}
