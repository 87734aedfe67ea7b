export { parseThriftUrl } from './thrift-url';
export type { ParsedThriftUrl, ThriftTransportName } from './thrift-url';
export { ThriftUpstream } from './thrift-upstream';
export type { ThriftUpstreamOptions } from './thrift-upstream';
export type { ThriftReply } from './thrift-connection';
export { encodeEnvelope, decodeEnvelope, isOneStruct, messageEnd, MessageType } from './envelope';
