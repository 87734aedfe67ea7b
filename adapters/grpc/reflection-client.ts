import * as http2 from 'node:http2';
import * as protobuf from 'protobufjs';
import { MeshError } from '../../src/errors/mesh-error';
import { decodeGrpcMessage, frame } from '../../src/transport/grpc/grpc-frame';

/**
 * A client of gRPC server reflection (grpc.reflection.v1, falling back to v1alpha) over plain
 * node:http2 and the gRPC framing the mesh already has: the CLI needs no gRPC library to read
 * the .proto descriptors a running server (grpc-java's ProtoReflectionService, grpc-js'
 * @grpc/reflection) was built from. Each question is one reflection stream: one request, the
 * half-close, one response.
 */

// The messages of reflection.proto that the CLI asks and reads; v1 and v1alpha share the wire format.
const REFLECTION_MESSAGES = `
message ServerReflectionRequest {
  string host = 1;
  oneof message_request { string file_by_filename = 3; string file_containing_symbol = 4; string list_services = 7; }
}
message ServerReflectionResponse {
  string valid_host = 1;
  oneof message_response {
    FileDescriptorResponse file_descriptor_response = 4;
    ListServiceResponse list_services_response = 6;
    ErrorResponse error_response = 7;
  }
}
message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
message ListServiceResponse { repeated ServiceResponse service = 1; }
message ServiceResponse { string name = 1; }
message ErrorResponse { int32 error_code = 1; string error_message = 2; }
`;

/** Those messages in `pkg` (a test's reflection server uses them too, as grpc.reflection.v1alpha). */
export function reflectionMessages(pkg: string): { Request: protobuf.Type; Response: protobuf.Type } {
  const root = protobuf.parse(`syntax = "proto3";\npackage ${pkg};\n${REFLECTION_MESSAGES}`, { keepCase: true }).root;
  return { Request: root.lookupType(`${pkg}.ServerReflectionRequest`), Response: root.lookupType(`${pkg}.ServerReflectionResponse`) };
}

const { Request, Response } = reflectionMessages('reflection');

type Question = { list_services: string } | { file_containing_symbol: string } | { file_by_filename: string };

interface Answer {
  file_descriptor_response?: { file_descriptor_proto: Uint8Array[] };
  list_services_response?: { service: Array<{ name: string }> };
  error_response?: { error_code: number; error_message: string };
}

const VERSIONS = ['grpc.reflection.v1', 'grpc.reflection.v1alpha'] as const;

export class ReflectionClient {
  private version: (typeof VERSIONS)[number] | undefined;

  private constructor(
    private readonly session: http2.ClientHttp2Session,
    private readonly authority: string,
    private readonly timeoutMs: number,
  ) {}

  /** Connects over h2c (plaintext HTTP/2) to `host:port`. */
  static async connect(target: string, timeoutMs = 10_000): Promise<ReflectionClient> {
    const session = http2.connect(`http://${target}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new MeshError('UNAVAILABLE', `${target}: no HTTP/2 connection within ${timeoutMs} ms`)), timeoutMs);
      session.once('connect', () => (clearTimeout(timer), resolve()));
      session.once('error', (err) => (clearTimeout(timer), reject(new MeshError('UNAVAILABLE', `${target}: ${err.message}`))));
    });
    session.on('error', () => {});
    return new ReflectionClient(session, target, timeoutMs);
  }

  close(): void {
    this.session.close();
  }

  /** Every service the server lists. */
  async services(): Promise<string[]> {
    const a = await this.ask({ list_services: '' });
    return (a.list_services_response?.service ?? []).map((s) => s.name);
  }

  /** Serialized FileDescriptorProtos: the file defining a symbol (servers add its dependencies, some all of them). */
  async fileContaining(symbol: string): Promise<Uint8Array[]> {
    return (await this.ask({ file_containing_symbol: symbol })).file_descriptor_response?.file_descriptor_proto ?? [];
  }

  async fileByName(name: string): Promise<Uint8Array[]> {
    return (await this.ask({ file_by_filename: name })).file_descriptor_response?.file_descriptor_proto ?? [];
  }

  private async ask(q: Question): Promise<Answer> {
    if (!this.version) {
      // v1 first; a server without it answers UNIMPLEMENTED, and then v1alpha is the one it has.
      for (const v of VERSIONS) {
        try {
          const a = await this.once(v, q);
          this.version = v;
          return a;
        } catch (err) {
          if (!(err instanceof MeshError && err.code === 'UNIMPLEMENTED') || v === VERSIONS[VERSIONS.length - 1]) throw err;
        }
      }
    }
    return this.once(this.version!, q);
  }

  private once(version: string, q: Question): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request({
        ':method': 'POST',
        ':path': `/${version}.ServerReflection/ServerReflectionInfo`,
        ':authority': this.authority,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let message = '';
      const timer = setTimeout(() => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(new MeshError('DEADLINE_EXCEEDED', `${this.authority}: no reflection answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const onStatus = (h: http2.IncomingHttpHeaders) => {
        if (h['grpc-status'] !== undefined) {
          status = String(h['grpc-status']);
          message = decodeGrpcMessage(h['grpc-message']);
        }
      };
      stream.on('response', (h) => {
        const code = Number(h[':status']);
        if (code !== 200) {
          // Not a gRPC server at all (or not for this path): the version is simply not served.
          status = code === 404 ? '12' : '14';
          message = `HTTP ${code}`;
        }
        onStatus(h);
      });
      stream.on('trailers', onStatus);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => {
        clearTimeout(timer);
        reject(new MeshError('UNAVAILABLE', `${this.authority}: ${err.message}`));
      });
      stream.on('close', () => {
        clearTimeout(timer);
        if (status !== '0') {
          const code = status === '12' ? 'UNIMPLEMENTED' : 'UNAVAILABLE';
          return reject(new MeshError(code, `${this.authority}: ${version} reflection failed (grpc-status ${status ?? 'missing'}${message ? `: ${message}` : ''})`));
        }
        try {
          resolve(firstAnswer(Buffer.concat(chunks)));
        } catch (err) {
          reject(err);
        }
      });
      stream.end(frame(Request.encode(Request.fromObject(q)).finish()));
    });
  }
}

/** The first length-prefixed message of a reflection response stream, decoded; an error_response is thrown. */
function firstAnswer(body: Buffer): Answer {
  if (body.length < 5) throw new MeshError('INTERNAL', 'the reflection stream ended without an answer');
  if (body[0] !== 0) throw new MeshError('INTERNAL', 'the reflection answer is compressed (not asked for)');
  const len = body.readUInt32BE(1);
  if (body.length < 5 + len) throw new MeshError('INTERNAL', 'truncated reflection answer');
  const a = Response.toObject(Response.decode(body.subarray(5, 5 + len)), { defaults: false, arrays: true }) as Answer;
  if (a.error_response) {
    throw new MeshError('NOT_FOUND', `reflection: ${a.error_response.error_message || `error ${a.error_response.error_code}`}`);
  }
  return a;
}
