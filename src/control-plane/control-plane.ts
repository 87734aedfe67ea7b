import { Msg, NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
import type { Logger } from '../log/logger';
import { IdlError } from '../idl/model';
import { IdentityError } from '../identity/ca';
import { IdlStore, RegistryError } from '../registry/idl-store';
import { controlPlaneQueue, Subjects } from '../registry/names';
import { diffRequest, historyRequest, pushRequest, Reply, rollbackRequest, showRequest } from '../registry/records';
import { encodeJson } from '../registry/kv';
import { describeService } from './idl-show';

/**
 * The control plane's request handlers. It keeps no state of its own (everything is in the
 * registry bucket), so any number of replicas can share the queue group.
 */
export class ControlPlane {
  private readonly subs: Subscription[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly store: IdlStore,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.handle(Subjects.idlPush, pushRequest, async (req) => {
      const res = await this.store.push(req);
      if (res.forced.length) this.log.warn({ version: res.version, services: res.services, breaking: res.forced }, 'idl pushed with --allow-breaking');
      else this.log.info({ version: res.version, services: res.services }, 'idl pushed');
      return res;
    });
    this.handle(Subjects.idlHistory, historyRequest, (req) => this.store.history(req.service));
    this.handle(Subjects.idlDiff, diffRequest, (req) => this.store.diff(req.service, req.from, req.to));
    this.handle(Subjects.idlList, z.object({}).passthrough(), () => this.store.list());
    this.handle(Subjects.idlShow, showRequest, async (req) => describeService(await this.store.show(req.service)));
    this.handle(Subjects.idlRollback, rollbackRequest, async (req) => {
      const res = await this.store.rollback(req.service, req.to);
      this.log.info(res, 'idl rolled back');
      return res;
    });
  }

  /** Stops taking requests; ones being handled still reply. */
  async drain(): Promise<void> {
    await Promise.all(this.subs.map((s) => s.drain()));
  }

  /** Answers requests on a subject in the control plane's queue group; other parts (policy) register theirs here too. */
  handle<S extends z.ZodTypeAny>(subject: string, schema: S, fn: (req: z.output<S>) => Promise<unknown>): void {
    const sub = this.nc.subscribe(subject, { queue: controlPlaneQueue });
    this.subs.push(sub);
    void (async () => {
      for await (const msg of sub) this.answer(msg, schema, fn).catch((err: unknown) => this.log.warn({ err, subject }, 'could not answer a request'));
    })().catch((err: unknown) => this.log.error({ err, subject }, 'subscription ended'));
  }

  private async answer<S extends z.ZodTypeAny>(msg: Msg, schema: S, fn: (req: z.output<S>) => Promise<unknown>): Promise<void> {
    let reply: Reply<unknown>;
    try {
      const parsed = schema.safeParse(msg.data.length ? JSON.parse(new TextDecoder().decode(msg.data)) : {});
      if (!parsed.success) throw new RegistryError(`bad request: ${parsed.error.issues[0]?.message}`);
      reply = { ok: true, result: await fn(parsed.data) };
    } catch (err) {
      const known = err instanceof RegistryError || err instanceof IdlError || err instanceof IdentityError;
      if (!known) this.log.error({ err, subject: msg.subject }, 'control plane request failed');
      const problems = (err as { problems?: unknown }).problems;
      reply = { ok: false, error: (err as Error).message.split('\n')[0], ...(Array.isArray(problems) ? { problems } : {}) };
    }
    msg.respond(encodeJson(reply));
  }
}
