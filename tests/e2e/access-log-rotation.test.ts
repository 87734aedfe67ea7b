import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { spawnCli, startNats, Proc } from '../helpers/processes';
import type { AccessBatch, AccessRecord } from '../../src/telemetry/access-log';

jest.setTimeout(60000);

const record = (requestId: string): AccessRecord => ({
  time: new Date().toISOString(),
  direction: 'outbound',
  requestId,
  traceId: null,
  caller: 'app',
  service: 'pkg.Svc',
  method: 'Get',
  code: 'OK',
  durationMs: 1.5,
  attempts: 1,
  subset: null,
  provider: '127.0.0.1:1',
  convertMs: 0.02,
});

/**
 * `control-plane --access-log FILE` with logrotate's move-then-SIGHUP: records before the move
 * stay in the moved file, records after the signal go to a new file under the old name.
 */
describe('access-log file', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let cp: Proc;
  let nc: NatsConnection;
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-access-'));
  const file = join(dir, 'access.log');

  beforeAll(async () => {
    nats = await startNats();
    cp = spawnCli('control-plane', ['control-plane', '--nats', nats.url, '--admin', '127.0.0.1:0', '--access-log', file]);
    await cp.waitForMsg('control plane ready');
    nc = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    await cp?.stop();
    await nats?.stop();
  });

  const send = (ids: string[]) => {
    const batch: AccessBatch = { instance: 'test-1', app: 'app', dropped: 0, records: ids.map(record) };
    nc.publish('transmesh.logs.app', JSON.stringify(batch));
    // A malformed batch is ignored, never written.
    nc.publish('transmesh.logs.app', '{"records":[{"requestId":"bad"}]}');
  };
  /** Lines of a file once it holds `n` of them (the control plane appends asynchronously). */
  const linesWhen = async (path: string, n: number) => {
    const read = () => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
    for (let i = 0; i < 200 && read().length < n; i++) await new Promise((r) => setTimeout(r, 50));
    return read();
  };

  test('one JSON object a line; SIGHUP reopens the file after a rotation', async () => {
    send(['a1', 'a2']);
    const before = await linesWhen(file, 2);
    expect(before.map((l) => JSON.parse(l).requestId)).toEqual(['a1', 'a2']);
    const first = JSON.parse(before[0]);
    expect(first).toEqual({ ...record('a1'), time: first.time });

    renameSync(file, `${file}.1`);
    cp.child.kill('SIGHUP');
    await cp.waitForMsg('access log reopened');
    send(['b1']);
    const after = await linesWhen(file, 1);
    expect(after.map((l) => JSON.parse(l).requestId)).toEqual(['b1']);
    expect(readFileSync(`${file}.1`, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    expect(cp.lines.some((l) => l.msg === 'ignoring a malformed access-log batch')).toBe(true);
  });
});
