import { consumersByRole, memStat, roleOfConnection } from '../../bench/soak/nats-probe';
import { statusKb } from '../../bench/soak/sampler';
import { SteadyLoad } from '../../bench/soak/steady-load';
import type { CallEnd, SoakCall } from '../../bench/soak/soak-calls';

describe("the soak's view of nats-server", () => {
  test('a connection is attributed to the sidecar or control plane its name says', () => {
    expect(roleOfConnection('transmesh-sidecar-php-app')).toBe('php-app');
    expect(roleOfConnection('transmesh-control-plane')).toBe('control-plane');
    expect(roleOfConnection('transmesh-cli')).toBe('transmesh-cli');
    expect(roleOfConnection(undefined)).toBe('unnamed');
  });

  test('every consumer goes to the connection subscribed to its push subject; one nobody reads is an orphan', () => {
    const consumer = (deliver: string | undefined) => ({ name: deliver ?? 'pull', config: { deliver_subject: deliver } });
    const jsz = {
      streams: 2,
      consumers: 4,
      bytes: 0,
      account_details: [
        { stream_detail: [{ consumer_detail: [consumer('_INBOX.a1'), consumer('_INBOX.b1')] }, { consumer_detail: [consumer('_INBOX.a2'), consumer('_INBOX.gone'), consumer(undefined)] }] },
      ],
    };
    const conns = [
      { name: 'transmesh-sidecar-php-app', subscriptions_list_detail: [{ subject: '_INBOX.a1' }, { subject: '_INBOX.a2' }, { subject: '_INBOX.x.*' }] },
      { name: 'transmesh-control-plane', subscriptions_list_detail: [{ subject: '_INBOX.b1' }] },
    ];
    const { byRole, orphans } = consumersByRole(jsz, conns);
    expect(Object.fromEntries(byRole)).toEqual({ 'php-app': 2, 'control-plane': 1 });
    expect(orphans).toBe(2);
  });

  test("Go's runtime.MemStats and /proc status fields are read by name, missing ones as NaN", () => {
    const heap = 'heap profile: 1: 2 [3: 4] @ heap/1048576\n# runtime.MemStats\n# Alloc = 4949880\n# HeapAlloc = 4949880\n# HeapSys = 11468800\n# HeapReleased = 5226496\n';
    expect(memStat(heap, 'HeapAlloc')).toBe(4949880);
    expect(memStat(heap, 'HeapSys') - memStat(heap, 'HeapReleased')).toBe(6242304);
    expect(memStat(heap, 'HeapInuse')).toBeNaN();
    const status = 'Name:\tnats-server\nVmRSS:\t   24904 kB\nRssAnon:\t    8340 kB\nRssFile:\t   16564 kB\n';
    expect(statusKb(status, 'RssAnon')).toBe(8340);
    expect(statusKb(status, 'RssFile')).toBe(16564);
    expect(statusKb(status, 'RssShmem')).toBeNaN();
  });
});

describe("the soak's load", () => {
  test('round-robins over every call set, counts each call once by kind, groups failures', async () => {
    let started = 0;
    const enough = 12;
    let allDone!: () => void;
    const done = new Promise<void>((r) => (allDone = r));
    const call = (name: string, outcome: (end: CallEnd) => void): SoakCall => ({
      name,
      run(end) {
        if (++started > enough) return;
        outcome(end);
        if (started === enough) allDone();
      },
    });
    let closed = 0;
    const load = new SteadyLoad(
      [
        { calls: [call('json ok', (end) => end()), call('json fails', (end) => end({ key: 'HTTP 503', example: 'down' }))], close: () => closed++ },
        // A call that reports its end twice (an error after a reply) is still one call.
        { calls: [call('grpc twice', (end) => (end(), end({ key: 'late', example: '' })))], close: () => closed++ },
      ],
      1000,
    );
    load.start();
    await done;
    load.stop();
    expect(closed).toBe(2);
    expect(Object.fromEntries(load.byCall)).toEqual({ 'json ok': { ok: 4, failed: 0 }, 'json fails': { ok: 0, failed: 4 }, 'grpc twice': { ok: 4, failed: 0 } });
    expect([load.ok, load.failed]).toEqual([8, 4]);
    expect(Object.fromEntries(load.failures)).toEqual({ 'HTTP 503': { count: 4, example: 'down' } });
  });
});
