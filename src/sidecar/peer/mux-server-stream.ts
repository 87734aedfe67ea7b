import { MeshError } from '../../errors/mesh-error';
import { MessageQueue } from '../../transport/grpc/message-queue';
import { errorReplyFor, type InboundReply } from '../../protocol/provider';
import type { PeerCall, ReplySink, StreamOut } from '../inbound/peer-calls';
import { decodeData, decodeWindow, encodeData, encodeFrame, encodeHeadersFrame, FrameType, encodeWindow } from './mux-frame';
import { MuxCredit } from './mux-credit';
import { replyHeaders } from './peer-reply';

/** What a server stream needs of its session. */
export interface FlowSession {
  send(frame: Buffer): void;
  /** The stream is over (ended, refused or cancelled): it leaves the session's table and its call closes. */
  flowDone(id: number): void;
}

/**
 * One streaming call on the listener side of a mux connection: the consumer's DATA fill the
 * request queue the provider reads (credit granted back as it does), HALF_CLOSE ends it; the
 * provider's headers, messages (within the consumer's credit) and status go back as HEADERS, DATA
 * and END.
 */
export class ServerFlow implements StreamOut {
  readonly requests = new MessageQueue();
  private readonly credit = new MuxCredit();
  private finished = false;
  call: PeerCall<ServerFlow> | undefined;

  constructor(
    readonly id: number,
    private readonly session: FlowSession,
    private readonly maxMessageBytes: number,
  ) {
    this.requests.onTake = (cost) => {
      const grant = this.credit.took(cost);
      if (grant > 0 && !this.finished) this.session.send(encodeWindow(this.id, grant));
    };
  }

  /** DATA, HALF_CLOSE or WINDOW from the consumer; a protocol error throws (the connection closes). */
  onFrame(type: number, payload: Buffer): void {
    if (this.finished) return;
    if (type === FrameType.window) return this.credit.granted(decodeWindow(payload));
    if (type === FrameType.halfClose) return this.requests.end();
    this.credit.received(payload.length);
    let m: Buffer;
    try {
      m = decodeData(payload, this.maxMessageBytes);
    } catch (err) {
      const e = MeshError.from(err);
      if (e.code !== 'RESOURCE_EXHAUSTED') throw e;
      return this.reject(e);
    }
    // A copy: the payload is a view into the socket's chunk, which a slow provider must not pin.
    this.requests.push(Buffer.from(m));
  }

  /** Ends the call with `err` (a refused message): the consumer gets it as the status, the provider's call is cancelled. */
  reject(err: MeshError): void {
    this.requests.fail(err);
    if (this.call) this.call.answer(errorReplyFor(err), false);
    else this.end(errorReplyFor(err));
  }

  /** The consumer cancelled, or the connection went. */
  cancelled(): void {
    if (this.finished) return;
    this.requests.fail(new MeshError('CANCELLED', 'the caller went away'));
    this.close();
  }

  start(metadata: Record<string, string>): void {
    if (!this.finished) this.session.send(encodeHeadersFrame(FrameType.headers, this.id, metadata));
  }

  async send(message: Buffer): Promise<boolean> {
    const wait = this.credit.mayWrite();
    if (wait) await wait;
    if (this.finished) return false;
    this.credit.wrote(message.length + 5);
    this.session.send(encodeData(this.id, message));
    return true;
  }

  /** The status (trailers-only when no HEADERS went before). */
  end(reply: InboundReply): void {
    if (this.finished) return;
    this.session.send(encodeHeadersFrame(FrameType.end, this.id, replyHeaders(reply)));
    this.close();
  }

  refuse(): void {
    if (this.finished) return;
    this.session.send(encodeFrame(FrameType.refused, this.id));
    this.close();
  }

  private close(): void {
    this.finished = true;
    this.credit.stop();
    this.session.flowDone(this.id);
  }
}

/** How PeerCall answers a mux stream: END with the status, or REFUSED. */
export const flowSink: ReplySink<ServerFlow> = {
  reply: (flow, reply) => flow.end(reply),
  refuse: (flow) => flow.refuse(),
};
