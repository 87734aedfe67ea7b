import { MeshError } from '../../errors/mesh-error';
import { assembleRequest, pickResponse } from '../../rest/rest-request';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { IdlSnapshot } from '../../snapshot/snapshots';

/** A request that matched a REST route: the method it calls, and how its message and answer are made. */
export interface RestCall {
  readonly service: string;
  readonly method: string;
  /** The request message's JSON from the body and the request's path, query and headers; throws INVALID_ARGUMENT. */
  request(body: string, header: (name: string) => string | undefined): string;
  /** The answer written (`response_body`), or undefined when it is the whole response. */
  readonly reply: ((json: string) => string) | undefined;
}

/**
 * The HTTP listener's way into the REST routes of the IDL snapshot current when a request
 * arrives (docs/http-api.md, "REST routes"). The table is compiled with the snapshot; a request
 * costs one trie walk.
 */
export class RestCalls {
  constructor(private readonly idl: SnapshotCell<IdlSnapshot>) {}

  /** Before the first IDL snapshot no route is known yet. */
  get loaded(): boolean {
    return this.idl.isLoaded;
  }

  /** `POST /<a>/<b>` is the plain form when `<a>` is a service; else it may be a route. */
  isService(name: string): boolean {
    return this.idl.current.services.has(name);
  }

  /** The route `url` names for `httpMethod`, or undefined. */
  match(httpMethod: string, url: string): RestCall | undefined {
    const table = this.idl.current.routes;
    if (!table) return undefined;
    const q = url.indexOf('?');
    const found = table.match(httpMethod, q < 0 ? url : url.slice(0, q));
    if (!found) return undefined;
    const query = q < 0 ? '' : url.slice(q + 1);
    const route = found.route;
    return {
      service: route.service,
      method: route.method,
      request: (body, header) => assembleRequest(found, query, body, header),
      reply: route.responseBody ? (json) => pickResponse(route, json) : undefined,
    };
  }
}

/**
 * The answer to a request neither form names: another HTTP method on `/<service>/<method>` of a
 * known service is UNIMPLEMENTED (call it with POST); any other path is the 404 of no route.
 */
export function unrouted(httpMethod: string | undefined, url: string, service: string | undefined, rest: RestCalls | undefined): MeshError {
  if (httpMethod !== 'POST' && service !== undefined && (!rest || rest.isService(service))) {
    return new MeshError('UNIMPLEMENTED', `${httpMethod} is not supported: call POST /<service>/<method>`);
  }
  // As the route layer answers the plain form then: a retryable 503, not a 404.
  if (rest && !rest.loaded) return new MeshError('UNAVAILABLE', 'the sidecar has not loaded the IDL registry yet');
  const path = url.split('?')[0];
  const routes = rest ? ', or a REST route of the IDL ("transmesh idl show SERVICE" lists them)' : '';
  return new MeshError('NOT_FOUND', `no route for ${httpMethod} ${path}: call POST /<service>/<method>${routes}`);
}
