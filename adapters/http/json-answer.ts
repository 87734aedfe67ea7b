import { isCodeName } from '../../src/errors/codes';
import { MeshError } from '../../src/errors/mesh-error';
import type { MethodModel } from '../../src/idl/model';
import type { JsonValue } from '../../src/json/json-value';
import { parseJson } from '../../src/json/parse-json';
import type { InboundReply } from '../../src/protocol/provider';
import { codeOfHttpStatus } from './http-status';

/**
 * What an HTTP/JSON provider's answer means for the caller, whatever carried it (HTTP or
 * FastCGI): `200` with the response as JSON, checked against the IDL as strictly as a caller's
 * request; an error in the mesh's envelope (a code, or a declared Thrift exception); or any other
 * status, mapped as gRPC maps HTTP.
 */
export function replyOfAnswer(model: MethodModel, status: number, body: string, metadata: Record<string, string>): InboundReply {
  if (status >= 200 && status < 300) {
    let value: JsonValue;
    try {
      value = body.trim() === '' ? {} : parseJson(body);
    } catch (err) {
      throw new MeshError('INTERNAL', `the provider's answer to ${model.name} is not JSON: ${(err as Error).message}`);
    }
    try {
      return { status: 0, message: '', detailsBin: undefined, metadata, payload: model.provider.encodeReply(value, undefined) };
    } catch (err) {
      // The provider answered something the IDL does not allow: its bug, not the caller's.
      throw new MeshError('INTERNAL', `the provider's answer to ${model.name} does not fit the IDL: ${(err as Error).message}`);
    }
  }
  const envelope = errorEnvelope(body);
  if (envelope?.thrift) {
    const payload = model.provider.encodeException(envelope.thrift.exception, envelope.thrift.value, undefined);
    if (payload) return { status: 0, message: '', detailsBin: undefined, metadata, payload };
    throw new MeshError('INTERNAL', `the provider raised ${envelope.thrift.exception}, which ${model.name} does not declare`);
  }
  const code = envelope?.code ?? codeOfHttpStatus(status);
  const message = envelope?.message ?? `the provider answered HTTP ${status}`;
  throw new MeshError(code, message, { metadata });
}

interface Envelope {
  readonly code: ReturnType<typeof codeOfHttpStatus> | undefined;
  readonly message: string | undefined;
  readonly thrift: { readonly exception: string; readonly value: JsonValue } | undefined;
}

/** `{"error": {"code": "NOT_FOUND", "message": "…", "thrift": {"exception": "m.T", "value": {…}}}}`, if the body is one. */
function errorEnvelope(body: string): Envelope | undefined {
  let parsed: JsonValue;
  try {
    parsed = parseJson(body);
  } catch {
    return undefined;
  }
  const error = isObject(parsed) ? parsed.error : undefined;
  if (!isObject(error)) return undefined;
  const code = typeof error.code === 'string' && isCodeName(error.code) ? error.code : undefined;
  const message = typeof error.message === 'string' ? error.message : undefined;
  const t = error.thrift;
  const thrift = isObject(t) && typeof t.exception === 'string' ? { exception: t.exception, value: t.value ?? {} } : undefined;
  return code || thrift ? { code, message, thrift } : undefined;
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
