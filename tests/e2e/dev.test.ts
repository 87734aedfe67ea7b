import { join } from 'node:path';
import { freePort, repoRoot, spawnCli } from '../helpers/processes';
import { call } from '../helpers/mesh';
import { startEchoServer } from '../helpers/grpc-echo-server';

jest.setTimeout(60000);

/** `transmesh dev`: NATS, control plane and one sidecar in both roles, from one command. */
test('transmesh dev runs a whole local mesh that serves a pushed IDL and a local provider', async () => {
  const echo = await startEchoServer('dev');
  const [natsPort, listenPort] = [await freePort(), await freePort()];
  const fixtures = join(repoRoot, 'tests', 'fixtures', 'mesh');
  const dev = spawnCli('dev', [
    'dev', '--quiet', '--nats', `nats://127.0.0.1:${natsPort}`, '--listen', `127.0.0.1:${listenPort}`, '--admin', '127.0.0.1:0', '--control-plane-admin', '127.0.0.1:0',
    '--push', join(fixtures, 'echo.proto'), '-I', fixtures,
    '--provide', `mesh.test.v1.Echo=grpc://127.0.0.1:${echo.port}`,
  ]);
  try {
    await dev.waitFor((l) => /mesh ready/.test(l.msg), 'the mesh to be ready', 40000);
    // The dashboard's address is the last line of the start, where an operator looks for it.
    const shown = await dev.waitFor((l) => /^transmesh dev: dashboard: http:\/\/127\.0\.0\.1:\d+\/$/.test(l.msg), 'the dashboard line');
    const said = dev.lines.filter((l) => l.stream === 'stdout' && /^transmesh dev: /.test(l.msg)).map((l) => l.msg);
    expect(said.slice(-2)).toEqual(['transmesh dev: Ctrl-C to stop', shown.msg]);
    expect((await fetch(shown.msg.replace('transmesh dev: dashboard: ', ''))).status).toBe(200);
    const res = await call(`http://127.0.0.1:${listenPort}`, '/mesh.test.v1.Echo/Echo', { text: 'dev', id: '9223372036854775807' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ text: 'dev', id: '9223372036854775807', server: 'dev' });
  } finally {
    expect(await dev.stop()).toBe(0);
    await echo.stop();
  }
});
