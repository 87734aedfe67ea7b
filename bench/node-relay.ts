import http2 from 'node:http2';

/**
 * The floor of a gRPC proxy written on Node: one process, node:http2 server in, node:http2 client
 * out to the provider, bytes piped both ways, the status passed on in trailers. No routing, no
 * policy, no metrics, no peer hop. What a Transmesh sidecar costs above this is the mesh; what
 * this costs above nginx `grpc_pass` is Node's HTTP/2 (docs/performance.md, "Node's floor").
 * Prints {"port":N} once bound; exits when stdin closes.
 */
function main(): void {
  const upstream = process.argv[2];
  if (!upstream) throw new Error('usage: node-relay HOST:PORT');
  let session: http2.ClientHttp2Session | undefined;
  const client = (): http2.ClientHttp2Session => {
    if (!session || session.closed || session.destroyed) session = http2.connect(`http://${upstream}`);
    return session;
  };
  const server = http2.createServer();
  server.on('stream', (down, headers) => {
    const up = client().request({ ':method': 'POST', ':path': headers[':path'], 'content-type': 'application/grpc', te: 'trailers' });
    let status = '2';
    let message: string | undefined;
    up.on('response', () => down.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true }));
    up.on('trailers', (t) => {
      status = String(t['grpc-status'] ?? '2');
      message = t['grpc-message'] as string | undefined;
    });
    down.on('wantTrailers', () => down.sendTrailers(message === undefined ? { 'grpc-status': status } : { 'grpc-status': status, 'grpc-message': message }));
    down.pipe(up);
    up.pipe(down);
    up.on('error', () => down.destroy());
    down.on('error', () => up.destroy());
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

main();
