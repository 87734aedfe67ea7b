import type { CodeName } from '../../errors/codes';
import { MeshError } from '../../errors/mesh-error';
import { httpStatusOf } from './http-status';
import { readFields } from './grpc-wire';

/**
 * MeshError → the Connect protocol (connectrpc.com/docs/protocol): the one place a failure
 * becomes Connect's error body, code and HTTP status, for unary answers and for the end-stream
 * message of a stream alike.
 */

/** Connect's code names: gRPC's in snake case, except CANCELLED, which Connect spells `canceled`. */
export function connectCodeOf(code: CodeName): string {
  return code === 'CANCELLED' ? 'canceled' : code.toLowerCase();
}

/**
 * Connect's HTTP status for a code. Connect's table is the canonical gRPC-to-HTTP one the mesh
 * already uses (499, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401; a
 * unit test checks each against the protocol's), so it is not written twice.
 */
export function connectHttpStatusOf(code: CodeName): number {
  return httpStatusOf(code);
}

/** Why a Connect GET was refused: the method is not marked NO_SIDE_EFFECTS (answered 405, `Allow: POST`). */
const getNotAllowed = Symbol('connect GET on a method with side effects');

export function connectGetRefused(service: string, method: string): MeshError {
  return new MeshError('UNIMPLEMENTED', `${service}/${method} may have side effects (its IDL does not mark it idempotency_level = NO_SIDE_EFFECTS): call it with POST, not GET`, { cause: getNotAllowed });
}

/** Why a call named no procedure the IDL knows: a Connect caller is told `unimplemented`, as Connect servers answer. */
const noSuchProcedure = Symbol('no such service or method');

/** An unknown service or method: `code` for the mesh's own callers, `unimplemented` for Connect's. */
export function unknownProcedure(code: CodeName, message: string): MeshError {
  return new MeshError(code, message, { cause: noSuchProcedure });
}

/** One error detail as Connect writes it: the Any's type without its URL prefix, its value as unpadded base64, the JSON as `debug`. */
export interface ConnectDetail {
  type: string;
  value: string;
  debug?: unknown;
}

const typeUrlPrefix = /^.*\//;

/**
 * The details of an error as Connect carries them. Only a provider's `grpc-status-details-bin`
 * holds the detail messages' bytes Connect needs; the JSON the mesh decoded from it (same order)
 * rides along as `debug`. Details the mesh has only as JSON (no bytes) cannot be written.
 */
export function connectDetails(err: MeshError): ConnectDetail[] {
  if (!err.detailsBin) return [];
  const out: ConnectDetail[] = [];
  try {
    readFields(Buffer.from(err.detailsBin, 'base64'), (field, value) => {
      if (field !== 3 || typeof value === 'number') return;
      let type = '';
      let bytes: Buffer = Buffer.alloc(0);
      readFields(value, (f, v) => {
        if (f === 1 && typeof v !== 'number') type = v.toString('utf8').replace(typeUrlPrefix, '');
        else if (f === 2 && typeof v !== 'number') bytes = v;
      }, 'google.protobuf.Any');
      const detail: ConnectDetail = { type, value: bytes.toString('base64').replace(/=+$/, '') };
      const json = err.details[out.length] as { '@type'?: unknown } | undefined;
      if (json && typeof json === 'object' && typeof json['@type'] === 'string' && json['@type'].replace(typeUrlPrefix, '') === type) detail.debug = json;
      out.push(detail);
    }, 'google.rpc.Status');
  } catch {
    // Details that do not decode are left out; the code and message still say what happened.
    return out;
  }
  return out;
}

function connectCode(err: MeshError): CodeName {
  return err.cause === noSuchProcedure ? 'UNIMPLEMENTED' : err.code;
}

/** Connect's error JSON object: `code`, and `message` and `details` when there are any. */
export function connectErrorJson(err: MeshError): Record<string, unknown> {
  const out: Record<string, unknown> = { code: connectCodeOf(connectCode(err)) };
  if (err.message) out.message = err.message;
  const details = connectDetails(err);
  if (details.length) out.details = details;
  return out;
}

/** A unary call's failure: HTTP status, headers (the provider's metadata and the mesh's own) and body. */
export function connectErrorAnswer(err: MeshError, requestId: string): { status: number; headers: Record<string, string | number>; body: string } {
  const body = JSON.stringify(connectErrorJson(err));
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': requestId };
  if (err.metadata) for (const k in err.metadata) headers[k] = err.metadata[k];
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = err.retryAfterSeconds;
  let status = connectHttpStatusOf(connectCode(err));
  if (err.cause === getNotAllowed) {
    status = 405;
    headers.allow = 'POST';
  }
  return { status, headers, body };
}
