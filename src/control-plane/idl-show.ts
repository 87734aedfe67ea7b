import type { ServiceModel } from '../idl/model';

/** What `transmesh idl show` prints for one service: each method with a JSON example of its request and response, as its adapter describes them. */
export function describeService(s: { name: string; protocol: string; version: number; model: ServiceModel }) {
  const methods = s.model.describe().methods.map((m) => {
    const rest = s.model.methods.get(String(m.name))?.rest;
    return rest ? { ...m, routes: rest.routes.map((r) => `${r.httpMethod} ${r.template}${r.body ? `  body: ${r.body}` : ''}${r.responseBody ? `  response_body: ${r.responseBody}` : ''}`) } : m;
  });
  return { name: s.name, protocol: s.protocol, version: s.version, methods };
}
