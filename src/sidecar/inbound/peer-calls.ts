import type { IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import { Code, codeName } from '../../errors/codes';
import { MeshError } from '../../errors/mesh-error';
import type { Logger } from '../../log/logger';
import { BoundedLabels } from '../../telemetry/bounded-labels';
import type { InboundObserver, InboundWatch } from './inbound-observer';
import { InFlight } from '../in-flight';
import { parseGrpcTimeout } from '../../transport/grpc/grpc-frame';
import { maxTimerMs } from '../../timing/timer-cap';
import { CancelToken } from '../../timing/cancel-token';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import { findMethod, IdlSnapshot } from '../../snapshot/snapshots';
import type { MethodModel } from '../../idl/model';
import type { Limits } from '../../config/sidecar-config';
import { errorReplyFor, type InboundReply, type Provider } from '../../protocol/provider';
import type { InboundGuard } from './inbound-guard';
import type { MessageQueue } from '../../transport/grpc/message-queue';
import type { StreamResponse } from '../../transport/grpc/stream-response';

/** How one wire protocol of the peer listener answers a call; `ref` is its stream (HTTP/2) or stream id (mux). */
export interface ReplySink<R> {
  /** Writes the answer; `reset`: it came before the whole request, whose rest is not wanted. */
  reply(ref: R, reply: InboundReply, reset: boolean): void;
  /** Refuses the call before anything ran, so the consumer may try another provider. */
  refuse(ref: R): void;
}

/** How one wire protocol of the peer listener sends a stream's answer before its end (which goes through `ReplySink.reply`). */
export interface StreamOut {
  /** The provider's response headers: the stream has started. */
  start(metadata: Record<string, string>): void;
  /** Sends one message once the consumer's flow control allows; false: the stream is gone. */
  send(message: Buffer): Promise<boolean>;
}

/**
 * The per-call handling of the peer listener, the same whichever protocol carried the call:
 * routing, the caller's identity, the in-flight cap, access and rate gates, the deadline,
 * cancellation and what the observer records.
 */
export class PeerCalls {
  private readonly inFlight = new InFlight();
  private readonly callers = new BoundedLabels();

  constructor(
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly observer: InboundObserver,
    private readonly defaultTimeoutMs: number,
    readonly log: Logger,
    private readonly idl: SnapshotCell<IdlSnapshot>,
    readonly limits: Limits,
    readonly guard: InboundGuard,
  ) {}

  /** Resolves when no call is in flight. */
  idle(): Promise<void> {
    return this.inFlight.idle();
  }

  /** A call whose headers are in; undefined when it was refused (the sink heard so). */
  open<R>(ref: R, sink: ReplySink<R>, headers: IncomingHttpHeaders, socket: Socket | undefined): PeerCall<R> | undefined {
    const path = String(headers[':path'] ?? '');
    const slash = path.indexOf('/', 1);
    const service = slash > 0 ? path.slice(1, slash) : '';
    const method = slash > 0 ? path.slice(slash + 1) : '';
    const provider = this.providers.get(service);
    const model = provider ? findMethod(this.idl.current, service, method)?.method : undefined;
    // Labels a peer cannot choose: methods outside the IDL snapshot and callers beyond a bounded set share one.
    const identity = this.guard.callerOf(socket, headers);
    const caller = this.callers.label(identity);
    const call = new PeerCall(this, ref, sink, headers, path, service, method, provider, model, identity, this.observer.begin(headers, caller, service, method, provider?.rpcSystem), socket);
    if (this.inFlight.count >= this.limits.maxInFlight) {
      // Nothing ran: the consumer's retry goes to another provider.
      sink.refuse(ref);
      call.observe(Code.RESOURCE_EXHAUSTED);
      return undefined;
    }
    this.inFlight.begin();
    return call;
  }

  /** @internal The call's stream is gone. */
  ended(): void {
    this.inFlight.end();
  }

  /** @internal */
  observed(call: PeerCall<unknown>, watch: InboundWatch, status: number): void {
    this.observer.end(watch, call.provider !== undefined, call.model !== undefined, codeName(status));
  }

  /** @internal What the provider answers (or why it was not asked). */
  async handle(call: PeerCall<unknown>, body: Buffer): Promise<InboundReply> {
    const refused = this.refusal(call);
    if (refused) return refused;
    try {
      return await call.provider!.call({ ...this.callOf(call), body });
    } catch (err) {
      return this.failed(call, err);
    }
  }

  /** @internal A streaming call: the provider's stream once it starts, or the answer that ends it at once. */
  async handleStream(call: PeerCall<unknown>, requests: MessageQueue): Promise<StreamResponse | InboundReply> {
    const refused = this.refusal(call);
    if (refused) return refused;
    const provider = call.provider!;
    if (!provider.stream) {
      return errorReplyFor(new MeshError('UNIMPLEMENTED', `${call.service}/${call.method} is a streaming method, and its provider here speaks ${provider.protocol}, which serves unary methods only: streaming methods need a gRPC provider`));
    }
    try {
      return await provider.stream({ ...this.callOf(call), requests });
    } catch (err) {
      return this.failed(call, err);
    }
  }

  /** Why the call may not reach the provider, if it may not. */
  private refusal(call: PeerCall<unknown>): InboundReply | undefined {
    if (!call.provider) {
      // Discovery was stale: nothing ran here, so the consumer may go elsewhere.
      return errorReplyFor(new MeshError('UNAVAILABLE', `this sidecar does not provide ${call.service}`, { retryable: true }));
    }
    const refused = this.guard.admit(call.caller, call.service, call.method, call.socket);
    return refused && errorReplyFor(refused);
  }

  private callOf(call: PeerCall<unknown>) {
    const { service, method, headers } = call;
    const timeout = Math.min(parseGrpcTimeout(headers['grpc-timeout'] as string | undefined) ?? this.defaultTimeoutMs, maxTimerMs);
    return { service, method, caller: call.identity, model: call.model, path: call.path, headers, deadline: Date.now() + timeout, cancel: call.cancel };
  }

  private failed(call: PeerCall<unknown>, err: unknown): InboundReply {
    const e = MeshError.from(err);
    if (e.code === 'INTERNAL') this.log.error({ err, service: call.service, method: call.method }, 'provider call failed');
    return errorReplyFor(e);
  }
}

/** One call on the peer listener, from its headers to its answer (or its stream going away). */
export class PeerCall<R> {
  readonly cancel = new CancelToken();
  private answered = false;
  private gone = false;

  constructor(
    private readonly calls: PeerCalls,
    readonly ref: R,
    private readonly sink: ReplySink<R>,
    readonly headers: IncomingHttpHeaders,
    readonly path: string,
    readonly service: string,
    readonly method: string,
    readonly provider: Provider | undefined,
    readonly model: MethodModel | undefined,
    /** The calling app as its certificate proves (or, without a CA, as its sidecar says); metrics use a bounded label of it. */
    readonly identity: string,
    private readonly watch: InboundWatch,
    /** The connection it came on: its caller certificate is checked against the deny list. */
    readonly socket: Socket | undefined,
  ) {}

  get caller(): string {
    return this.watch.caller;
  }

  get isAnswered(): boolean {
    return this.answered;
  }

  /** Answers once; later answers (a provider finishing after a refusal) are dropped. */
  answer(reply: InboundReply, reset: boolean): void {
    if (this.answered) return;
    this.answered = true;
    this.sink.reply(this.ref, reply, reset);
    this.observe(reply.status);
  }

  /** The whole request is in: runs it and answers. */
  run(body: Buffer): void {
    this.calls.handle(this, body).then(
      (reply) => this.answer(reply, false),
      (err: unknown) => this.answer(errorReplyFor(MeshError.from(err)), false),
    ).catch((err: unknown) => this.calls.log.error({ err, service: this.service, method: this.method }, 'could not write a peer reply'));
  }

  /**
   * A streaming call whose headers are in: the provider's messages go out through `out` as the
   * consumer's flow control allows, then its status through the sink, as a unary answer's.
   */
  runStream(requests: MessageQueue, out: StreamOut): void {
    this.calls.handleStream(this, requests).then(async (res) => {
      if (!('messages' in res) || res.status !== 0) {
        requests.discard();
        return this.answer(res, false);
      }
      out.start(res.metadata);
      for (let m = await res.messages.next(); m !== undefined; m = await res.messages.next()) {
        if (!(await out.send(m))) return res.messages.discard();
      }
      const end = await res.trailers;
      this.answer(end, false);
    }).catch((err: unknown) => this.answer(errorReplyFor(MeshError.from(err)), false));
  }

  /** The stream ended or went away: the call leaves the in-flight count and the provider's call is cancelled. */
  close(): void {
    if (this.gone) return;
    this.gone = true;
    this.calls.ended();
    this.cancel.cancel();
  }

  /** @internal */
  observe(status: number): void {
    this.calls.observed(this, this.watch, status);
  }
}
