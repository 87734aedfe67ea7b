import type { Socket } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import { FrameCollector } from '../../transport/grpc/grpc-frame';
import { CorkedWriter } from './corked-writer';
import { decodeMessage, encodeFrame, encodeGoaway, encodeMessageFrame, FrameDecoder, FrameType, maxFrameBytes } from './mux-frame';
import type { PeerCall, PeerCalls, ReplySink } from '../inbound/peer-calls';
import { replyHeaders } from './peer-reply';
import { errorReplyFor, type InboundReply } from '../../protocol/provider';
import { flowSink, ServerFlow, type FlowSession } from './mux-server-stream';

/**
 * One consumer sidecar's connection to the peer listener in the mux framing (docs/architecture.md):
 * REQUEST frames become calls through the same PeerCalls as HTTP/2 streams, answers go back as
 * RESPONSE frames batched per tick, CANCEL cancels, and close() drains with a GOAWAY.
 */
export class MuxSession implements ReplySink<number>, FlowSession {
  private readonly streams = new Map<number, PeerCall<number>>();
  /** Streaming calls (OPEN … END). */
  private readonly flows = new Map<number, ServerFlow>();
  private readonly out: CorkedWriter;
  private readonly decoder: FrameDecoder;
  private lastId = 0;
  private draining = false;
  private bodyTimer: NodeJS.Timeout | undefined;
  private paused = false;

  constructor(
    private readonly socket: Socket,
    private readonly calls: PeerCalls,
    /** Bytes read while telling the protocols apart, after the client's magic. */
    initial: Buffer,
    onClose: () => void,
  ) {
    this.out = new CorkedWriter(socket);
    const limits = calls.limits;
    this.decoder = new FrameDecoder(maxFrameBytes(limits.maxMessageBytes), {
      frame: (type, id, payload) => this.onFrame(type, id, payload),
      oversize: (type, id, length) => this.onOversize(type, id, length),
    });
    socket.on('data', (c: Buffer) => this.receive(c));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(this.bodyTimer);
      for (const call of this.streams.values()) call.close();
      this.streams.clear();
      for (const flow of [...this.flows.values()]) flow.cancelled();
      onClose();
    });
    // An idle connection (no call, no PING) is closed with a GOAWAY, so a call crossing it is retried, not lost.
    socket.setTimeout(limits.idleTimeoutMs, () => {
      if (this.busy === 0) this.close();
    });
    if (initial.length) this.receive(initial);
  }

  /** Drain: the peer learns the last call taken; those finish, new ones go elsewhere. */
  close(): void {
    if (this.draining) return;
    this.draining = true;
    this.out.write(encodeGoaway(this.lastId));
    if (this.busy === 0) this.end();
  }

  /** Calls in flight, unary and streaming. */
  private get busy(): number {
    return this.streams.size + this.flows.size;
  }

  send(frame: Buffer): void {
    this.out.write(frame);
  }

  flowDone(id: number): void {
    const flow = this.flows.get(id);
    if (!flow) return;
    this.flows.delete(id);
    flow.call?.close();
    if (this.draining && this.busy === 0) this.end();
  }

  reply(id: number, reply: InboundReply): void {
    // A cancelled stream is already gone: its late answer is dropped.
    if (this.streams.has(id)) {
      this.out.write(encodeMessageFrame(FrameType.response, id, replyHeaders(reply), reply.framed ?? reply.payload ?? empty, reply.framed !== undefined));
      this.backOff();
    }
    this.done(id);
  }

  /** A consumer that does not read its answers is not read from until it has: answers cannot pile up here. */
  private backOff(): void {
    const socket = this.socket;
    if (this.paused || socket.writableLength <= congestedBytes + this.calls.limits.maxMessageBytes) return;
    this.paused = true;
    socket.pause();
    socket.once('drain', () => {
      this.paused = false;
      socket.resume();
    });
  }

  refuse(id: number): void {
    this.out.write(encodeFrame(FrameType.refused, id));
  }

  private receive(c: Buffer): void {
    try {
      this.decoder.push(c);
    } catch (err) {
      // A malformed frame: nothing more on this connection can be trusted.
      this.calls.log.debug({ err }, 'peer connection sent a malformed frame');
      this.socket.destroy();
      return;
    }
    // A frame left half-sent holds a buffer: it must finish within the body timeout.
    if (!this.decoder.partial) {
      if (this.bodyTimer) this.bodyTimer = (clearTimeout(this.bodyTimer), undefined);
    } else if (!this.bodyTimer) {
      this.bodyTimer = setTimeout(() => this.socket.destroy(), this.calls.limits.bodyTimeoutMs);
      this.bodyTimer.unref();
    }
  }

  private onFrame(type: number, id: number, payload: Buffer): void {
    if (this.socket.destroyed) return;
    switch (type) {
      case FrameType.request:
        return this.onRequest(id, payload);
      case FrameType.cancel: {
        const flow = this.flows.get(id);
        return flow ? flow.cancelled() : this.done(id);
      }
      case FrameType.open:
        return this.onOpen(id, payload);
      case FrameType.data:
      case FrameType.halfClose:
      case FrameType.window:
        // A stream already ended here may still have frames on the way: they are dropped.
        return this.flows.get(id)?.onFrame(type, payload);
      case FrameType.ping:
        return this.out.write(encodeFrame(FrameType.pong, id, payload));
      case FrameType.pong:
        return;
      default:
        throw new MeshError('INTERNAL', `frame type ${type} is not for a server`);
    }
  }

  /** A streaming call: its messages follow as DATA; the provider's answer goes back through the flow. */
  private onOpen(id: number, payload: Buffer): void {
    if (id <= this.lastId || id === 0) throw new MeshError('INTERNAL', `stream id ${id} reused`);
    if (this.draining || this.busy >= this.calls.limits.maxConcurrentStreams) return this.refuse(id);
    this.lastId = id;
    const { headers } = decodeMessage(payload);
    const flow = new ServerFlow(id, this, this.calls.limits.maxMessageBytes);
    this.flows.set(id, flow);
    const call = this.calls.open(flow, flowSink, headers as IncomingHttpHeaders, this.socket);
    if (!call) return;
    flow.call = call;
    call.runStream(flow.requests, flow);
  }

  private onRequest(id: number, payload: Buffer): void {
    if (id <= this.lastId || id === 0) throw new MeshError('INTERNAL', `stream id ${id} reused`);
    if (this.draining || this.busy >= this.calls.limits.maxConcurrentStreams) return this.refuse(id);
    this.lastId = id;
    const { headers, body } = decodeMessage(payload);
    const call = this.calls.open(id, this, headers as IncomingHttpHeaders, this.socket);
    if (!call) return;
    this.streams.set(id, call);
    const collected = new FrameCollector(this.calls.limits.maxMessageBytes);
    // The body stays a view into the socket's chunk (Node allocates each read anew): no copy.
    const refused = collected.push(body);
    if (refused) return call.answer(errorReplyFor(refused), false);
    let bytes: Buffer;
    try {
      bytes = collected.body();
    } catch (err) {
      return call.answer(errorReplyFor(MeshError.from(err)), false);
    }
    call.run(bytes);
  }

  /** Refused from the frame header alone: the payload is skipped as it comes, never held. */
  private onOversize(type: number, id: number, length: number): void {
    const flow = type === FrameType.data ? this.flows.get(id) : undefined;
    if (flow) return flow.reject(new MeshError('RESOURCE_EXHAUSTED', `a message frame of ${length} bytes is over the limit for ${this.calls.limits.maxMessageBytes}-byte messages (TRANSMESH_MAX_MESSAGE_BYTES)`));
    if (type !== FrameType.request || this.socket.destroyed) {
      this.socket.destroy();
      return;
    }
    if (id <= this.lastId) return void this.socket.destroy();
    this.lastId = id;
    const limit = this.calls.limits.maxMessageBytes;
    const err = new MeshError('RESOURCE_EXHAUSTED', `request frame of ${length} bytes is over the limit for ${limit}-byte messages (TRANSMESH_MAX_MESSAGE_BYTES)`);
    this.out.write(encodeMessageFrame(FrameType.response, id, replyHeaders(errorReplyFor(err)), empty, true));
  }

  /** The stream is over (answered or cancelled): it leaves the count; a draining connection ends with its last one. */
  private done(id: number): void {
    const call = this.streams.get(id);
    if (!call) return;
    this.streams.delete(id);
    call.close();
    if (this.draining && this.busy === 0) this.end();
  }

  private end(): void {
    this.out.flush();
    this.socket.end();
  }
}

const empty = Buffer.alloc(0);
/** Answers waiting in the socket's buffer beyond which the connection stops being read (plus one message). */
const congestedBytes = 8 * 1024 * 1024;
