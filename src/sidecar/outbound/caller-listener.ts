import { randomUUID } from 'node:crypto';
import net, { Socket } from 'node:net';
import { MeshError } from '../../errors/mesh-error';
import type { Logger } from '../../log/logger';
import { CancelToken } from '../../timing/cancel-token';
import { defaultLimits, Limits } from '../../config/sidecar-config';
import type { CallerConnection, CallerMessage, CallerProtocol } from '../../protocol/native-callers';
import { InFlight } from '../in-flight';
import { TimeoutSweep, type SweptTimeout } from '../timeout-sweep';
import type { OutboundCall } from './call';
import type { CallerCallHandler } from './caller-layer';
import { listenAt } from './listen-at';

/** One answer owed to a connection, written in the order the calls came. */
interface Slot {
  done: boolean;
  bytes: Buffer | undefined;
}

interface Connection {
  readonly socket: Socket;
  readonly reader: CallerConnection;
  /** Answers owed, oldest first: written as soon as the ones before them are. */
  readonly owed: Slot[];
  readonly cancels: Set<CancelToken>;
  /** Calls read beyond the cap of the connection (one chunk's worth at most: reading stops meanwhile). */
  readonly waiting: CallerMessage[];
  /** Calls started and not yet answered. */
  open: number;
  /** Runs while part of a message is in: the whole of it must arrive within the body timeout. */
  partial: SweptTimeout | undefined;
  /** A flush of the reader is scheduled for the end of this I/O turn. */
  flushing: boolean;
}

/**
 * A listener for native callers of one protocol (`--thrift-listen ADDR[=SVC]`): the adapter's
 * reader (src/protocol/native-callers.ts) splits each connection into messages; each is a call
 * through the outbound stack, as the sidecar's `--app`, and its answer is written back in the
 * order the calls came (Apache's clients match by sequence id, synchronous ones expect order).
 * Limits as on the app listener: message size (the reader, from the frame header), a message must
 * arrive whole within TRANSMESH_BODY_TIMEOUT_MS, a connection with nothing in flight idle for
 * TRANSMESH_IDLE_TIMEOUT_MS is closed, a connection with TRANSMESH_MAX_CONCURRENT_STREAMS calls in
 * flight is not read until one is answered (nor while its answers wait for the caller to read),
 * and over TRANSMESH_MAX_IN_FLIGHT calls in the listener a call is refused RESOURCE_EXHAUSTED.
 * Bytes that are not the protocol close the connection; nothing else is affected.
 */
export class CallerListener {
  private readonly server: net.Server;
  private readonly inFlight = new InFlight();
  private readonly connections = new Set<Connection>();
  private readonly bodyTimeouts: TimeoutSweep;
  private closing = false;

  constructor(
    private readonly protocol: CallerProtocol,
    /** The one service callers reach here (`=SVC`), or undefined when each message names its own. */
    private readonly service: string | undefined,
    private readonly handler: CallerCallHandler,
    private readonly caller: string,
    private readonly log: Logger,
    private readonly limits: Limits = defaultLimits,
  ) {
    this.bodyTimeouts = new TimeoutSweep(limits.bodyTimeoutMs);
    this.server = net.createServer((socket) => this.onSocket(socket));
  }

  listen(host: string, port: number): Promise<string> {
    return listenAt(this.server, host, port);
  }

  get callsInFlight(): number {
    return this.inFlight.count;
  }

  /** Stops accepting and reading; each connection is ended once its calls are answered. */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const c of this.connections) {
      c.socket.pause();
      if (c.open === 0) c.socket.end();
    }
    await this.inFlight.idle();
    await closed;
  }

  /** Ends every connection at once, calls in flight too (a drain that ran out of time). */
  closeConnections(): void {
    for (const c of this.connections) c.socket.destroy();
  }

  private onSocket(socket: Socket): void {
    socket.on('error', () => undefined);
    if (this.closing) return void socket.destroy();
    socket.setNoDelay(true);
    const c: Connection = { socket, reader: this.protocol.connection({ service: this.service, maxMessageBytes: this.limits.maxMessageBytes }), owed: [], cancels: new Set(), waiting: [], open: 0, partial: undefined, flushing: false };
    this.connections.add(c);
    // Idle: no bytes either way for the idle timeout while nothing is in flight.
    socket.setTimeout(this.limits.idleTimeoutMs, () => {
      if (c.open === 0) socket.destroy();
    });
    socket.on('close', () => {
      this.connections.delete(c);
      c.partial?.cancel();
      for (const t of c.cancels) t.cancel();
    });
    socket.on('drain', () => this.readMore(c));
    socket.on('data', (chunk: Buffer) => this.read(c, () => c.reader.push(chunk)));
  }

  private read(c: Connection, next: () => CallerMessage[]): void {
    let messages: CallerMessage[];
    try {
      messages = next();
    } catch (err) {
      // debug: a client that sends garbage must not be able to flood the log.
      this.log.debug({ err: MeshError.from(err), remote: c.socket.remoteAddress }, 'a native caller sent what the listener cannot read; its connection is closed');
      return void c.socket.destroy();
    }
    if (messages.length > 0 || !c.reader.partial) {
      c.partial?.cancel();
      c.partial = undefined;
    }
    if (c.reader.partial && !c.partial) c.partial = this.bodyTimeouts.add(() => c.socket.destroy());
    if (c.reader.deferred && !c.flushing) {
      c.flushing = true;
      setImmediate(() => {
        c.flushing = false;
        if (!c.socket.destroyed) this.read(c, () => c.reader.flush());
      });
    }
    c.waiting.push(...messages);
    this.startWaiting(c);
    if (c.waiting.length > 0 || c.socket.writableNeedDrain) c.socket.pause();
  }

  /** Starts the calls read and waiting, up to the connection's cap. */
  private startWaiting(c: Connection): void {
    // A drain starts nothing more: calls read but not started get the connection's end.
    if (this.closing) c.waiting.length = 0;
    while (c.waiting.length > 0 && c.open < this.limits.maxConcurrentStreams) this.run(c, c.waiting.shift()!);
  }

  private run(c: Connection, m: CallerMessage): void {
    const slot: Slot = { done: false, bytes: undefined };
    c.owed.push(slot);
    c.open++;
    const answer = (bytes: Buffer | undefined) => {
      slot.done = true;
      slot.bytes = m.oneway ? undefined : bytes;
      c.open--;
      if (!c.socket.destroyed) this.startWaiting(c);
      this.flush(c);
    };
    if (m.refused) return answer(m.error(m.refused));
    if (this.inFlight.count >= this.limits.maxInFlight) {
      return answer(m.error(new MeshError('RESOURCE_EXHAUSTED', `${this.inFlight.count} calls in flight: the sidecar takes no more for now`)));
    }
    this.inFlight.begin();
    const cancel = new CancelToken();
    c.cancels.add(cancel);
    const call: OutboundCall<CallerMessage> = {
      service: m.service,
      method: m.method,
      body: m,
      requestId: randomUUID(),
      caller: this.caller,
      int64AsNumber: false,
      timeoutHeader: undefined,
      metadata: {},
      headers: {},
      cancel,
      startedAt: performance.now(),
      deadline: 0,
      route: undefined,
      policy: undefined,
    };
    const end = () => {
      c.cancels.delete(cancel);
      this.inFlight.end();
    };
    this.handler(call).then(
      (bytes) => {
        end();
        answer(bytes);
      },
      (err: unknown) => {
        end();
        const e = MeshError.from(err);
        if (e.code === 'INTERNAL' || e.code === 'UNKNOWN') this.log.warn({ err: e, requestId: call.requestId }, 'native call failed');
        // A oneway method (the IDL's word) gets no answer, not even an error; a declared exception goes as it came.
        answer(call.route?.method.oneway ? undefined : (m.answered ?? m.error(e)));
      },
    );
  }

  /** Writes the answers that are next in order; ends a draining connection with nothing left. */
  private flush(c: Connection): void {
    while (c.owed.length > 0 && c.owed[0].done) {
      const slot = c.owed.shift()!;
      if (slot.bytes && !c.socket.destroyed) c.socket.write(slot.bytes);
    }
    if (this.closing && c.open === 0) c.socket.end();
    else this.readMore(c);
  }

  private readMore(c: Connection): void {
    if (this.closing || c.socket.destroyed) return;
    if (c.waiting.length === 0 && !c.socket.writableNeedDrain) c.socket.resume();
  }
}
