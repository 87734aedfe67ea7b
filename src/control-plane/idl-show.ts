import type { ServiceModel } from '../idl/model';

/** What `transmesh idl show` prints for one service: each method with a JSON example of its request and response, as its adapter describes them. */
export function describeService(s: { name: string; protocol: string; version: number; model: ServiceModel }) {
  return { name: s.name, protocol: s.protocol, version: s.version, methods: s.model.describe().methods };
}
