import type { CallerProtocol } from '../../../src/protocol/native-callers';
import { ThriftCallerConnection } from './caller-connection';

/** Native Thrift callers (`--thrift-listen`): framed or unframed, binary or compact, told apart per connection. */
export const thriftCallers: CallerProtocol = {
  connection: (options) => new ThriftCallerConnection(options),
};
