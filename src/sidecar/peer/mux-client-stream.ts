import type { OutgoingHttpHeaders } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import type { CancelToken } from '../../timing/cancel-token';
import { MessageQueue } from '../../transport/grpc/message-queue';
import type { StreamResponse, StreamStatus } from '../../transport/grpc/stream-response';
import { endStatus, statusOf } from '../../transport/grpc/h2-stream';
import { collectMetadata } from '../../transport/grpc/metadata';
import { decodeData, decodeMessage, decodeWindow, encodeData, encodeFrame, encodeHeadersFrame, encodeWindow, FrameType } from './mux-frame';
import { MuxCredit } from './mux-credit';

/** What a client stream needs of its connection. */
export interface FlowConnection {
  readonly authority: string;
  readonly maxMessageBytes: number;
  /** Writes a frame (batched per tick). */
  send(frame: Buffer): void;
  /** The stream is over: it leaves the connection's table. */
  forgetFlow(id: number): void;
}

/**
 * One streaming call on a client mux connection: OPEN, the request messages as DATA within the
 * provider's credit, HALF_CLOSE; the provider's HEADERS resolve the call, its DATA fill the
 * response queue (credit granted back as the caller reads), its END is the status. The deadline
 * and the caller's cancel send CANCEL.
 */
export class ClientFlow {
  private readonly credit = new MuxCredit();
  private readonly messages = new MessageQueue();
  private started = false;
  private finished = false;
  /** OPEN was written: the provider knows the stream (a CANCEL is worth sending). */
  private opened = false;
  private endWith!: (s: StreamStatus) => void;
  private readonly ended = new Promise<StreamStatus>((r) => (this.endWith = r));

  constructor(
    readonly id: number,
    readonly deadline: number,
    readonly budgetMs: number,
    private readonly conn: FlowConnection,
    readonly headers: OutgoingHttpHeaders,
    readonly requests: MessageQueue,
    readonly cancel: CancelToken | undefined,
    private readonly resolve: (r: StreamResponse | Promise<StreamResponse>) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    this.messages.onTake = (cost) => {
      const grant = this.credit.took(cost);
      if (grant > 0 && !this.finished) this.conn.send(encodeWindow(this.id, grant));
    };
  }

  /** Not written yet: the connection is still greeting (it may yet turn out to speak HTTP/2 only). */
  get waiting(): boolean {
    return !this.opened;
  }

  /** The connection turned out to speak HTTP/2 only before OPEN was written: the call goes there. */
  handOver(response: Promise<StreamResponse>): void {
    this.finished = true;
    this.resolve(response);
  }

  /** Writes OPEN and starts sending the request messages. Throws a MeshError on headers over the limits. */
  start(): void {
    this.conn.send(encodeHeadersFrame(FrameType.open, this.id, this.headers));
    this.opened = true;
    void this.pump();
  }

  onFrame(type: number, payload: Buffer): void {
    if (this.finished) return;
    switch (type) {
      case FrameType.headers: {
        if (this.started) throw new MeshError('INTERNAL', 'malformed peer frame: HEADERS twice');
        const { headers } = decodeMessage(payload);
        this.started = true;
        const metadata: Record<string, string> = {};
        collectMetadata(metadata, headers);
        return this.resolve({ status: 0, message: '', detailsBin: undefined, metadata, headers, messages: this.messages, trailers: this.ended });
      }
      case FrameType.data: {
        if (!this.started) throw new MeshError('INTERNAL', 'malformed peer frame: DATA before HEADERS');
        this.credit.received(payload.length);
        let m: Buffer;
        try {
          m = decodeData(payload, this.conn.maxMessageBytes);
        } catch (err) {
          const e = MeshError.from(err);
          if (e.code !== 'RESOURCE_EXHAUSTED') throw e;
          return this.abandon(new MeshError(e.code, `${this.conn.authority}: ${e.message}`));
        }
        // A copy: the payload is a view into the socket's chunk, which a slow reader must not pin.
        this.messages.push(Buffer.from(m));
        return;
      }
      case FrameType.end: {
        const { headers } = decodeMessage(payload);
        const end = endStatus(headers);
        if (!this.started) {
          this.started = true;
          this.resolve({ ...end, headers, messages: this.messages, trailers: this.ended });
        }
        return this.finish(end);
      }
      case FrameType.window:
        return this.credit.granted(decodeWindow(payload));
    }
  }

  /** The caller gave up, its deadline passed, or a response message was too big: CANCEL tells the provider. */
  abandon(err: MeshError): void {
    if (this.finished) return;
    if (this.opened) this.conn.send(encodeFrame(FrameType.cancel, this.id));
    this.fail(err);
  }

  /** Ends the call with `err`: before the headers the call fails, after them the stream ends with its status. */
  fail(err: MeshError): void {
    if (this.finished) return;
    if (!this.started) {
      this.started = true;
      this.close();
      this.messages.end();
      this.endWith(statusOf(err));
      return this.reject(err);
    }
    this.finish(statusOf(err));
  }

  private finish(end: StreamStatus): void {
    if (this.finished) return;
    this.close();
    this.messages.end();
    this.endWith(end);
  }

  private close(): void {
    this.finished = true;
    this.cancel?.set(undefined);
    this.credit.stop();
    this.requests.discard();
    this.conn.forgetFlow(this.id);
  }

  /** Sends the request messages as credit allows, then HALF_CLOSE; a failing request side cancels the call. */
  private async pump(): Promise<void> {
    try {
      for (let m = await this.requests.next(); m !== undefined; m = await this.requests.next()) {
        const wait = this.credit.mayWrite();
        if (wait) await wait;
        if (this.finished) return;
        this.credit.wrote(m.length + 5);
        this.conn.send(encodeData(this.id, m));
      }
      if (!this.finished) this.conn.send(encodeFrame(FrameType.halfClose, this.id));
    } catch (err) {
      this.abandon(MeshError.from(err));
    }
  }
}
