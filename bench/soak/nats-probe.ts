/** One value nats-server reported: the process it is about ("nats-server", or a connection's role) and what. */
export interface NatsValue {
  readonly role: string;
  readonly metric: NatsMetric;
  readonly value: number;
}

/** What is read of nats-server, with units. */
export const natsMetricUnits = {
  /** /varz mem: nats-server's own view of its resident memory. */
  varzMem: 'MB',
  /** Go's live heap after a forced collection (HeapAlloc of /debug/pprof/heap?gc=1&debug=1): what a leak grows. */
  goHeap: 'MB',
  /** Heap memory Go holds from the OS (HeapSys - HeapReleased): the heap's share of RSS, which the scavenger returns slowly. */
  goHeapHeld: 'MB',
  /** Goroutines (/debug/pprof/goroutine?debug=1 header): a goroutine per consumer, connection, timer. */
  goroutines: 'goroutines',
  streams: 'streams',
  consumers: 'consumers',
  /** Consumers whose push subject no connection subscribes to: left behind by a client that went. */
  orphanConsumers: 'consumers',
  /** Subjects held by the streams (KV keys, one per quota window too): data kept on purpose. */
  subjects: 'subjects',
  stored: 'MB',
  connections: 'conns',
  subscriptions: 'subs',
  /** The subject-match cache of the account's sublist (/subsz num_cache): bounded by nats-server. */
  subsCache: 'entries',
  /** Per connection role: its subscriptions and the JetStream consumers it reads (KV watches). */
  natsSubs: 'subs',
  natsConsumers: 'consumers',
} as const;
export type NatsMetric = keyof typeof natsMetricUnits;

interface ConnzConn {
  name?: string;
  subscriptions_list_detail?: Array<{ subject: string }>;
}
interface Jsz {
  streams: number;
  consumers: number;
  bytes: number;
  account_details?: Array<{
    stream_detail?: Array<{ state?: { num_subjects?: number }; consumer_detail?: Array<{ name: string; config?: { deliver_subject?: string } }> }>;
  }>;
}

/**
 * The role a NATS connection belongs to, from the name Transmesh gives it (src/registry/connect.ts
 * callers): `transmesh-sidecar-APP` is APP, `transmesh-control-plane` the control plane, anything
 * else (the CLI's short connections) by its name.
 */
export function roleOfConnection(name: string | undefined): string {
  if (!name) return 'unnamed';
  if (name.startsWith('transmesh-sidecar-')) return name.slice('transmesh-sidecar-'.length);
  if (name === 'transmesh-control-plane') return 'control-plane';
  return name;
}

/** A field `# Name = N` of the runtime.MemStats block ending /debug/pprof/heap?debug=1. */
export function memStat(text: string, name: string): number {
  const m = new RegExp(`^# ${name} = (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/**
 * Attributes every JetStream consumer to the connection subscribed to its push subject (a KV
 * watch is an ordered push consumer delivering to an inbox of the watcher's connection); a
 * consumer nobody subscribes to is an orphan. Returns consumers per role and the orphans.
 */
export function consumersByRole(jsz: Jsz, conns: readonly ConnzConn[]): { byRole: Map<string, number>; orphans: number } {
  const owner = new Map<string, string>();
  for (const c of conns) for (const s of c.subscriptions_list_detail ?? []) owner.set(s.subject, roleOfConnection(c.name));
  const byRole = new Map<string, number>();
  let orphans = 0;
  for (const a of jsz.account_details ?? [])
    for (const st of a.stream_detail ?? [])
      for (const con of st.consumer_detail ?? []) {
        const role = con.config?.deliver_subject ? owner.get(con.config.deliver_subject) : undefined;
        if (role === undefined) orphans++;
        else byRole.set(role, (byRole.get(role) ?? 0) + 1);
      }
  return { byRole, orphans };
}

/**
 * Reads nats-server's own view of itself: its monitoring port (/varz, /jsz with consumers and
 * their config, /connz with every subscription, /subsz) and, when started with `--profile`, the Go
 * runtime's heap (after a forced collection, as the Node processes' heap is read) and goroutines. With these, RSS that grows can be told apart: Go heap that
 * settles, or consumers, subscriptions and streams that pile up.
 */
export class NatsProbe {
  constructor(
    private readonly monitorUrl: string,
    private readonly profileUrl?: string,
  ) {}

  async sample(): Promise<NatsValue[]> {
    const get = async (url: string) => {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      return res;
    };
    const json = async <T>(path: string) => (await (await get(`${this.monitorUrl}${path}`)).json()) as T;
    const [varz, jsz, connz, subsz] = await Promise.all([
      json<{ mem: number; connections: number; subscriptions: number }>('/varz'),
      json<Jsz>('/jsz?consumers=true&config=true'),
      json<{ connections: ConnzConn[] }>('/connz?subs=detail&limit=1024'),
      json<{ num_cache: number }>('/subsz'),
    ]);
    const out: NatsValue[] = [];
    const add = (role: string, metric: NatsMetric, value: number) => out.push({ role, metric, value });
    add('nats-server', 'varzMem', varz.mem / 1048576);
    add('nats-server', 'connections', varz.connections);
    add('nats-server', 'subscriptions', varz.subscriptions);
    add('nats-server', 'subsCache', subsz.num_cache);
    add('nats-server', 'streams', jsz.streams);
    add('nats-server', 'consumers', jsz.consumers);
    add('nats-server', 'stored', jsz.bytes / 1048576);
    let subjects = 0;
    for (const a of jsz.account_details ?? []) for (const st of a.stream_detail ?? []) subjects += st.state?.num_subjects ?? 0;
    add('nats-server', 'subjects', subjects);
    const { byRole, orphans } = consumersByRole(jsz, connz.connections);
    add('nats-server', 'orphanConsumers', orphans);
    const subsByRole = new Map<string, number>();
    for (const c of connz.connections) {
      const role = roleOfConnection(c.name);
      subsByRole.set(role, (subsByRole.get(role) ?? 0) + (c.subscriptions_list_detail?.length ?? 0));
    }
    for (const [role, n] of subsByRole) add(role, 'natsSubs', n);
    for (const role of subsByRole.keys()) add(role, 'natsConsumers', byRole.get(role) ?? 0);
    if (this.profileUrl) {
      const heap = await (await get(`${this.profileUrl}/debug/pprof/heap?gc=1&debug=1`)).text();
      add('nats-server', 'goHeap', memStat(heap, 'HeapAlloc') / 1048576);
      add('nats-server', 'goHeapHeld', (memStat(heap, 'HeapSys') - memStat(heap, 'HeapReleased')) / 1048576);
      const goroutines = await (await get(`${this.profileUrl}/debug/pprof/goroutine?debug=1`)).text();
      add('nats-server', 'goroutines', Number(/total (\d+)/.exec(goroutines)?.[1] ?? NaN));
    }
    return out;
  }

  /** The Go heap profile (pprof protobuf, gzipped) as it is now: two of them diff with `go tool pprof -base`. */
  async heapProfile(): Promise<Buffer | undefined> {
    if (!this.profileUrl) return undefined;
    const res = await fetch(`${this.profileUrl}/debug/pprof/heap`, { signal: AbortSignal.timeout(10_000) });
    return Buffer.from(await res.arrayBuffer());
  }
}
