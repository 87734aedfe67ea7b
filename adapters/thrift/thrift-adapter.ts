import { normalize } from 'node:path/posix';
import { checkedBy, type ProtocolAdapter } from '../../src/protocol/protocol-adapter';
import { parseThriftUrl } from './transport/thrift-url';
import { ThriftProvider } from './thrift-provider';
import { thriftCallers } from './listen';
import type * as ThriftCompile from './thrift-compile';
import type * as ThriftCompare from './compat/compare';

/**
 * The IDL compiler, loaded on the first Thrift bundle, not at start: the Thrift IDL parser is
 * memory a sidecar with no Thrift IDL never needs (docs/performance.md, memory).
 */
function compiler(): typeof ThriftCompile {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./thrift-compile') as typeof ThriftCompile;
}

/** `.thrift` IDL, JSON by the mesh's Thrift mapping, and Thrift services behind `thrift://host:port`. */
export const thriftAdapter: ProtocolAdapter = {
  name: 'thrift',
  idl: {
    extensions: ['.thrift'],
    compile: (files, entries) => compiler().compileThrift(files, entries),
    // Includes are keyed relative to the including file, as Thrift resolves them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    compare: (before, after, scope) => (require('./compat/compare') as typeof ThriftCompare).compareThriftSources(before, after, scope),
    importsOf: (key: string, content: string) => compiler().thriftIncludesOf(content).map((ref) => ({ ref, key: normalize(`${key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : ''}${ref}`) })),
  },
  providers: {
    schemes: ['thrift'],
    check: checkedBy(parseThriftUrl),
    create: (service, url, options) => new ThriftProvider(service, url, options),
  },
  callers: thriftCallers,
};
