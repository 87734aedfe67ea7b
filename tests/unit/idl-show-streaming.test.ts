import { streamingNote } from '../../src/cli/idl-command';

/** `idl show` says how each kind of streaming method is called over HTTP/JSON. */
test('each streaming kind gets its own note', () => {
  expect(streamingNote({ streaming: true, serverStreaming: true })).toBe('server streaming: NDJSON or SSE over HTTP/JSON');
  expect(streamingNote({ streaming: true, clientStreaming: true })).toBe('client streaming: an NDJSON body over HTTP/JSON');
  expect(streamingNote({ streaming: true, clientStreaming: true, serverStreaming: true })).toBe('bidi streaming: gRPC callers only');
});
