import type { KV, KvEntry } from 'nats';
import { buildRevocations, type RevocationRecord, type Revocations } from '../identity/revocation';
import type { Logger } from '../log/logger';
import { Backoff } from '../registry/backoff';
import { decodeJson, watchKv } from '../registry/kv';
import { caKey, revokedPrefix } from '../registry/names';
import { caRecord, revocationRecord, trustedCerts } from '../registry/records';

/**
 * Follows the `transmesh_ca` bucket for a sidecar: the trust bundle (`ca`) and the deny list
 * (`revoked.*`), each handed over whole when it changes. The first delivery (every current value)
 * is handed over before start() resolves, so a sidecar is ready only once it knows what is
 * revoked. The watch is made again, with a full resync, when it ends or NATS comes back.
 */
export class TrustWatcher {
  private stopWatch: (() => void) | undefined;
  private stopped = false;
  private watchRun = 0;
  private readonly backoff = new Backoff(500, 10_000);

  constructor(
    private readonly kv: KV,
    private readonly on: { bundle(certs: readonly string[]): void; revocations(r: Revocations): void },
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const run = ++this.watchRun;
    const denied = new Map<string, RevocationRecord>();
    let loaded = false;
    const publish = () => this.on.revocations(buildRevocations(denied.values()));
    const onEntry = (e: KvEntry) => {
      if (run !== this.watchRun) return;
      try {
        if (e.key === caKey) {
          if (e.operation === 'PUT') this.on.bundle(trustedCerts(decodeJson(caRecord, e.value)));
          return;
        }
        if (!e.key.startsWith(revokedPrefix)) return;
        if (e.operation === 'PUT') denied.set(e.key, decodeJson(revocationRecord, e.value) as RevocationRecord);
        else denied.delete(e.key);
        if (loaded) publish();
      } catch (err) {
        this.log.error({ err, key: e.key }, 'unreadable record in the CA bucket; ignored');
      }
    };
    this.stopWatch?.();
    this.stopWatch = await watchKv(this.kv, '>', onEntry, this.log, { initTimeoutMs: 10_000, onEnd: () => this.again() });
    loaded = true;
    publish();
    this.backoff.reset();
  }

  /** Watches again with a full resync; a failure is retried with backoff, not left to the caller. */
  restart(): Promise<void> {
    return this.start().catch((err: unknown) => {
      this.log.warn({ err }, 'could not watch the CA bucket again; retrying');
      this.again();
    });
  }

  stop(): void {
    this.stopped = true;
    this.watchRun++;
    this.stopWatch?.();
  }

  private again(): void {
    if (this.stopped) return;
    const t = setTimeout(() => void this.restart(), this.backoff.next());
    t.unref();
  }
}
