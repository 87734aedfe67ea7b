import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { startBytesEcho } from '../helpers/grpc-bytes-echo';
import { idlPushArgs } from '../helpers/idl-files';
import { call, startControlPlane, startSidecar, SidecarProc } from '../helpers/mesh';
import { Proc, repoRoot, runCli, startNats } from '../helpers/processes';
import { CheckIn, CheckOut, GenCase, protojsonReference, runReference } from '../helpers/protojson-reference';

// The first run on a machine builds the Go program (module downloads included).
jest.setTimeout(600000);

/**
 * The mesh's proto JSON against Go's protojson, the reference implementation: seeded random
 * messages of a rich IDL (tests/fixtures/proto/differential/echo.proto, which also covers the
 * example IDL in idl/) go through real sidecars to a provider that echoes the request bytes.
 * protojson generates them and judges every reply. TRANSMESH_DIFF_SEED and TRANSMESH_DIFF_COUNT
 * run other or more cases (e.g. TRANSMESH_DIFF_SEED=7 TRANSMESH_DIFF_COUNT=500).
 */
const SEEDS = process.env.TRANSMESH_DIFF_SEED ? [Number(process.env.TRANSMESH_DIFF_SEED)] : [1, 2, 3];
const COUNT = Number(process.env.TRANSMESH_DIFF_COUNT ?? 12);
const SERVICE = 'diff.v1.Echo';
const ENTRY = 'differential/echo.proto';

function filesUnder(root: string, dir: string, out: Record<string, string>): void {
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) filesUnder(root, rel, out);
    else if (name.endsWith('.proto')) out[relative(root, join(root, rel))] = readFileSync(join(root, rel), 'utf8');
  }
}

function idlFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const fixtures = join(repoRoot, 'tests', 'fixtures', 'proto');
  filesUnder(fixtures, 'differential', files);
  filesUnder(fixtures, 'codec', files);
  filesUnder(join(repoRoot, 'idl'), 'acme', files);
  return files;
}

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

describe('proto JSON against Go protojson (differential)', () => {
  let bin: string;
  let idlArgs: string[];
  let root: string;
  let nats: Awaited<ReturnType<typeof startNats>>;
  let cp: Proc;
  let echo: Awaited<ReturnType<typeof startBytesEcho>>;
  let provider: SidecarProc;
  let consumer: SidecarProc;

  const ref = <T>(mode: string, args: string[], input?: string) => runReference<T>(bin, [mode, '--root', root, '--file', ENTRY, ...args], input);
  const check = (lines: CheckIn[]) => ref<CheckOut>('check', [], lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const post = (c: { method: string }, body: string, int64Number = false) =>
    call(consumer.url, `/${SERVICE}/${c.method}`, body, int64Number ? { 'x-transmesh-int64': 'number' } : {});

  beforeAll(async () => {
    bin = await protojsonReference();
    idlArgs = idlPushArgs(idlFiles(), ENTRY);
    root = idlArgs[2]!;
    expect(dirname(dirname(idlArgs[0]!))).toBe(root);
    nats = await startNats();
    cp = await startControlPlane(nats.url);
    const pushed = await runCli(['idl', 'push', ...idlArgs, '--nats', nats.url]);
    expect(pushed.code).toBe(0);
    const methods = ['Scalars', 'Order', 'WellKnown', 'EchoRich', 'User', 'CreateUser', 'ListUsers', 'Money', 'EchoLegacy'];
    echo = await startBytesEcho(SERVICE, methods);
    provider = await startSidecar(nats.url, 'echo', [`${SERVICE}=grpc://127.0.0.1:${echo.port}`]);
    consumer = await startSidecar(nats.url, 'php-app');
    await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 1, 'the provider in discovery');
  });

  afterAll(async () => {
    await Promise.all([consumer?.proc.stop(), provider?.proc.stop()]);
    await cp?.stop();
    await echo?.stop();
    await nats?.stop();
  });

  test.each(SEEDS)('seed %d: what protojson writes comes back equal, what it reads is read, what it refuses is refused', async (seed) => {
    const cases = await ref<GenCase>('gen', ['--service', SERVICE, '--seed', String(seed), '--count', String(COUNT)]);
    const kinds = new Set(cases.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['invalid', 'noncanonical', 'valid']);
    const failures: string[] = [];
    const checks: { c: GenCase; header: string; line: CheckIn }[] = [];
    await pool(cases, 8, async (c) => {
      if (c.kind === 'invalid') {
        const res = await post(c, c.json);
        if (res.status !== 400 || res.body?.error?.code !== 'INVALID_ARGUMENT') {
          failures.push(`${c.method} ${c.kind} [${c.note}]: protojson refuses it, the mesh answered ${res.status} ${res.text.slice(0, 300)}\n  sent: ${c.json}`);
        }
        return;
      }
      for (const int64Number of [false, true]) {
        const res = await post(c, c.json, int64Number);
        const header = int64Number ? 'with x-transmesh-int64: number' : 'int64 as strings';
        if (res.status !== 200) {
          failures.push(`${c.method} ${c.kind} [${c.note ?? ''}] (${header}): protojson reads it, the mesh answered ${res.status} ${res.text.slice(0, 300)}\n  sent: ${c.json}`);
          continue;
        }
        checks.push({ c, header, line: { type: c.type, sent: c.json, reply: res.text } });
      }
    });
    const results = await check(checks.map((x) => x.line));
    results.forEach((r, i) => {
      const { c, header, line } = checks[i]!;
      if (!r.replyParses) failures.push(`${c.method} ${c.kind} (${header}): protojson cannot read the reply: ${r.error}\n  sent: ${c.json}\n  reply: ${line.reply}`);
      else if (!r.equal) failures.push(`${c.method} ${c.kind} [${c.note ?? ''}] (${header}): the reply differs\n  sent:  ${r.sentCanonical}\n  reply: ${r.replyCanonical}\n  raw reply: ${line.reply}`);
    });
    if (failures.length) {
      throw new Error(`seed ${seed} (rerun: TRANSMESH_DIFF_SEED=${seed} TRANSMESH_DIFF_COUNT=${COUNT}): ${failures.length} of ${cases.length} cases differ\n\n${failures.slice(0, 8).join('\n\n')}`);
    }
  });

  test.each([
    ['emit-defaults', 1],
    ['proto-names', 2],
    ['enum-numbers', 4],
    ['emit-defaults,proto-names,enum-numbers', 7],
  ])('JSON output options %s: the reply is what protojson writes with the matching MarshalOptions', async (opts, shape) => {
    const cases = (await ref<GenCase>('gen', ['--service', SERVICE, '--seed', String(SEEDS[0]), '--count', String(Math.min(COUNT, 10))])).filter((c) => c.kind === 'valid');
    const replies = await Promise.all(cases.map((c) => call(consumer.url, `/${SERVICE}/${c.method}`, c.json, { 'x-transmesh-json': opts })));
    const results = await check(cases.map((c, i) => ({ type: c.type, sent: c.json, reply: replies[i]!.text, shape })));
    const failures: string[] = [];
    results.forEach((r, i) => {
      const c = cases[i]!;
      // protojson varies its whitespace on purpose and orders map keys its own way: the texts are
      // compared as JSON values, object keys sorted (64-bit values are strings here, so nothing rounds).
      const norm = (t: string) => JSON.stringify(JSON.parse(t), (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
      if (replies[i]!.status !== 200 || !r.shaped || norm(replies[i]!.text) !== norm(r.shaped)) failures.push(`${c.method} (${opts}) HTTP ${replies[i]!.status}:\n  protojson: ${r.shaped ?? r.error}\n  mesh:      ${replies[i]!.text}`);
    });
    expect(failures.slice(0, 5)).toEqual([]);
  });

  test('hand-written probes of JSON syntax: the mesh reads what protojson reads and refuses the rest', async () => {
    const order = { method: 'Order', type: 'codec.v1.Order' };
    // JSON text as sent: '\\ud800' is the JSON escape, '\t' a raw tab, '\ufeff' a raw byte order mark.
    const bodies = [
      'null', '[]', '1', '"x"', 'true', ' {} ', '{}\n', '\ufeff{}', '{} {}', '{"orderId":"a"}x', '{"orderId":"a",}', "{'orderId':'a'}",
      '{"orderId":"a" /* c */}', '{"priority":NaN}', '{"priority":Infinity}', '{"priority":-0}', '{"priority":01}', '{"priority":1.0}',
      '{"priority":1E+0}', '{"priority":+1}', '{"priority":.5}', '{"priority":0x1}', '{"weights":[1e400]}', '{"weights":[-1e400]}',
      '{"weights":[4.9e-324, 1e-400]}', '{"orderId":"\\ud800"}', '{"orderId":"\\udc00\\ud800"}', '{"labels":{"\\ud800":"x"}}', '{"orderId":"\\ud83d\\ude00"}',
      '{"orderId":"\\u0000"}', '{"orderId":"tab\\there"}', '{"orderId":"raw\ttab"}', '{"orderId":"\\x41"}', '{"orderId":"\\U0041"}', '{"orderId":"\\/"}',
      '{"orderId":"a","order_id":"a"}', '{"orderId":null,"order_id":"a"}', '{"card":"a","account":null}', '{"card":null,"account":"1"}',
      '{"labels":{"a":"1","a":"2"}}', '{"byId":{"1":"a","01":"b"}}', '{"byFlag":{"true":"a","True":"b"}}',
      '{"items":[{"itemId":"a"},null]}', '{"amounts":[1,"2",3e0,"4e0",null]}', '{"colors":["COLOR_RED",1,"1",null]}',
      '{"blobs":["AQID","AQID=","AQ==","A===","",null]}', '{"parent":{"parent":{"parent":{"orderId":"deep"}}}}',
      '{"' + 'x'.repeat(300) + '":1}', '{"myCustom":1,"custom":2}', '{"my_custom":1}', '{"MyCustom":1}',
    ];
    const judged = await check(bodies.map((json) => ({ type: order.type, sent: json })));
    const failures: string[] = [];
    for (const [i, body] of bodies.entries()) {
      const res = await post(order, body);
      const readsIt = judged[i]!.sentParses;
      if (readsIt ? res.status !== 200 : res.status !== 400) failures.push(`${JSON.stringify(body)}: protojson ${readsIt ? 'reads' : 'refuses'} it (${judged[i]!.error ?? judged[i]!.sentCanonical}), the mesh answered ${res.status} ${res.text.slice(0, 200)}`);
      else if (readsIt) {
        const [same] = await check([{ type: order.type, sent: body, reply: res.text }]);
        if (!same!.equal) failures.push(`${JSON.stringify(body)}: reply ${res.text} differs from ${same!.sentCanonical}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test('deliberate difference: a closed (proto2) enum or NullValue takes no unknown number (protojson reads one)', async () => {
    const cases = [
      { method: 'EchoLegacy', type: 'diff.v1.Legacy', json: '{"id":"a","child":{"id":"b","closed":99}}', path: 'child.closed: unknown value 99 for enum diff.v1.Closed' },
      { method: 'WellKnown', type: 'codec.v1.WellKnown', json: '{"nv":1}', path: 'nv: unknown value 1 for enum google.protobuf.NullValue' },
    ];
    const judged = await check(cases.map((c) => ({ type: c.type, sent: c.json })));
    for (const [i, c] of cases.entries()) {
      expect(judged[i]!.sentParses).toBe(true);
      const res = await post(c, c.json);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'INVALID_ARGUMENT', message: c.path });
    }
  });

  test('deliberate difference: an integer literal inside a Struct that its double would change is refused', async () => {
    const lossy = '{"st":{"id":9007199254740993}}';
    const kept = '{"st":{"id":1152921504606847000,"e":5.177104698529783e+36,"big":39227536942535650000}}';
    // protojson reads both, as the nearest doubles.
    const [a, b] = await check([
      { type: 'codec.v1.WellKnown', sent: lossy },
      { type: 'codec.v1.WellKnown', sent: kept },
    ]);
    expect(a).toMatchObject({ sentParses: true, sentCanonical: expect.stringContaining('9007199254740992') });
    expect(b!.sentParses).toBe(true);
    // The mesh refuses the first, naming the path, and reads the second as protojson does.
    const refused = await post({ method: 'WellKnown' }, lossy);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('st.id: 9007199254740993 would lose precision') });
    const accepted = await post({ method: 'WellKnown' }, kept);
    expect(accepted.status).toBe(200);
    const [same] = await check([{ type: 'codec.v1.WellKnown', sent: kept, reply: accepted.text }]);
    expect(same).toMatchObject({ replyParses: true, equal: true });
    // ...and reads its own reply again.
    const again = await post({ method: 'WellKnown' }, accepted.text);
    expect(again.text).toBe(accepted.text);
  });
});
