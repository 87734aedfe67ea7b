import type { Root } from 'protobufjs';
import type { ServiceModel, ThriftMethod } from '../idl/model';
import { exampleOf as protoExample } from './proto-example';
import { exampleFields, exampleOf as thriftExample } from './thrift-example';

/** What `transmesh idl show` prints for one service: each method with a JSON example of its request and response. */
export function describeService(s: { name: string; protocol: string; version: number; model: ServiceModel; root: Root | undefined }) {
  const methods = [...s.model.methods.values()].map((m) => {
    if (m.kind === 'thrift') {
      return { name: m.name, path: `/${s.name}/${m.name}`, oneway: m.oneway, idempotent: m.idempotent, request: thriftRequestExample(m), response: thriftResponseExample(m) };
    }
    const type = (name: string) => s.root!.lookupType(name);
    return {
      name: m.name,
      path: m.path,
      requestType: m.request.typeName,
      responseType: m.response.typeName,
      streaming: m.clientStreaming || m.serverStreaming,
      idempotent: m.idempotent,
      request: protoExample(type(m.request.typeName)),
      response: protoExample(type(m.response.typeName)),
    };
  });
  return { name: s.name, protocol: s.protocol, version: s.version, methods };
}

export function thriftRequestExample(m: ThriftMethod) {
  return exampleFields(m.def.args);
}

export function thriftResponseExample(m: ThriftMethod) {
  return m.def.returns ? thriftExample(m.def.returns) : {};
}
