import http2, { ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import { Code } from '../../errors/codes';
import type { CancelToken } from '../../timing/cancel-token';
import { collectMetadata } from './metadata';
import { decodeGrpcMessage, frame } from './grpc-frame';
import { MessageQueue } from './message-queue';
import { MessageSplitter } from './message-splitter';
import type { StreamResponse, StreamStatus } from './stream-response';

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants;

/**
 * Runs one streaming gRPC call on an HTTP/2 stream already requested: request messages are read
 * from `requests` only as fast as HTTP/2 takes them (write back-pressure), response messages go
 * into a queue that pauses the stream when its reader falls behind, so HTTP/2's flow control
 * stops the sender. Resolves when the response headers arrive (or a trailers-only refusal).
 */
export function runH2Stream(stream: ClientHttp2Stream, authority: string, requests: MessageQueue, deadline: number, cancel: CancelToken | undefined, maxMessageBytes: number): Promise<StreamResponse> {
  return new Promise((resolve, reject) => {
    const messages = new MessageQueue();
    const splitter = new MessageSplitter(maxMessageBytes);
    let started = false;
    let done = false;
    let responseHeaders: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    let endWith: ((s: StreamStatus) => void) | undefined;
    const ended = new Promise<StreamStatus>((r) => (endWith = r));
    const finish = (status: StreamStatus) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cancel?.set(undefined);
      requests.discard();
      if (!started) {
        started = true;
        messages.end();
        resolve({ ...status, headers: responseHeaders ?? {}, messages, trailers: ended });
      } else messages.end();
      endWith!(status);
    };
    const abort = (err: MeshError) => {
      if (!started && !responseHeaders) {
        done = true;
        clearTimeout(timer);
        cancel?.set(undefined);
        requests.discard();
        return reject(err);
      }
      finish(statusOf(err));
    };
    messages.onTake = () => {
      if (messages.bytes < messages.highWaterBytes && stream.isPaused()) stream.resume();
    };
    stream.on('response', (h) => {
      responseHeaders = h;
      // Trailers-only: the status is in the headers, nothing else follows.
      if (h['grpc-status'] !== undefined) return;
      started = true;
      const metadata: Record<string, string> = {};
      collectMetadata(metadata, h);
      resolve({ status: 0, message: '', detailsBin: undefined, metadata, headers: h, messages, trailers: ended });
    });
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => {
      if (done) return;
      try {
        splitter.push(c, (m) => {
          if (!messages.push(m)) stream.pause();
        });
      } catch (err) {
        stream.close(NGHTTP2_CANCEL);
        finish(statusOf(new MeshError(MeshError.from(err).code, `${authority}: ${(err as Error).message}`)));
      }
    });
    stream.on('error', () => undefined);
    stream.on('close', () => {
      if (done) return;
      const t = trailers ?? (responseHeaders?.['grpc-status'] !== undefined ? responseHeaders : undefined);
      if (t) return finish(endStatus(t));
      if (!responseHeaders) {
        const retryable = stream.rstCode === NGHTTP2_REFUSED_STREAM;
        return abort(new MeshError('UNAVAILABLE', `${authority}: stream closed (code ${stream.rstCode})`, { retryable }));
      }
      finish(statusOf(new MeshError('UNAVAILABLE', `${authority}: the stream ended without a status (code ${stream.rstCode})`)));
    });
    const remaining = deadline - Date.now();
    const timer = setTimeout(() => {
      stream.close(NGHTTP2_CANCEL);
      abort(new MeshError('DEADLINE_EXCEEDED', `deadline exceeded after ${Math.round(remaining)} ms`));
    }, Math.max(0, remaining));
    if (cancel && !cancel.set(() => (stream.close(NGHTTP2_CANCEL), abort(new MeshError('CANCELLED', 'the caller went away'))))) {
      stream.close(NGHTTP2_CANCEL);
      return abort(new MeshError('CANCELLED', 'the caller went away'));
    }
    void pumpRequests(stream, requests);
  });
}

/** Writes each request message as HTTP/2 takes it, then half-closes; stops when the stream goes. */
async function pumpRequests(stream: ClientHttp2Stream, requests: MessageQueue): Promise<void> {
  try {
    for (let m = await requests.next(); m !== undefined; m = await requests.next()) {
      if (stream.destroyed || stream.closed) return;
      if (!stream.write(frame(m))) await drained(stream);
    }
    if (!stream.destroyed && !stream.closed) stream.end();
  } catch {
    // The caller's side failed (its stream reset, a refused message): the call is cancelled.
    if (!stream.destroyed) stream.close(NGHTTP2_CANCEL);
  }
}

/** Resolves at 'drain', or when the stream closes first (nothing more will be written). */
export function drained(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** The status and trailing metadata of a stream's end (trailers, or the headers of a trailers-only answer). */
export function endStatus(t: IncomingHttpHeaders): StreamStatus {
  const status = Number(t['grpc-status']);
  const details = t['grpc-status-details-bin'];
  const metadata: Record<string, string> = {};
  collectMetadata(metadata, t);
  return {
    status: Number.isInteger(status) && status >= 0 ? status : 2,
    message: decodeGrpcMessage(t['grpc-message']),
    detailsBin: Array.isArray(details) ? details[0] : details,
    metadata,
  };
}

/** A failure of the mesh's own as a stream's end. */
export function statusOf(err: MeshError): StreamStatus {
  return { status: Code[err.code], message: err.message, detailsBin: undefined, metadata: {} };
}
