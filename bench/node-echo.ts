import http2 from 'node:http2';

/**
 * The floor of the consumer side of a gRPC proxy on Node: a node:http2 server that answers each
 * call itself, echoing the request's gRPC frame back with status 0. No upstream at all: its CPU
 * per call is what terminating one HTTP/2 call costs this runtime, which every Transmesh sidecar
 * facing a gRPC app pays before doing anything (docs/performance.md, "Node's floor").
 * Prints {"port":N} once bound; exits when stdin closes.
 */
function main(): void {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.concat(chunks));
    });
    stream.on('error', () => stream.destroy());
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

main();
